"""Imports from other systems and exports to the tools people check with (docs/import.md).

The proofs: the sample journals of every format (tests/interop/, written from the vendors'
published column descriptions) import into the test book to the figures of its own journal;
the example book goes out as a Shift_JIS 弥生 file and comes back to identical figures; the
beancount and hledger balances of the exports equal kessan's trial balance per account and
segment. Every bad input is a located error and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app as cli
from kessan.export import journal_csv, yayoi_bytes
from kessan.export.model import Names, component
from kessan.io.interop.values import decode, parse_date, parse_yen
from kessan.ledger.model import Entry, Posting

from .conftest import EXAMPLE, MINI

SAMPLES = Path(__file__).resolve().parent / "interop"
MAP = SAMPLES / "mini.map.toml"
ACTOR = "tester"
runner = CliRunner()


# ---------------------------------------------------------------- helpers


def _empty_book(src: Path, dest: Path) -> Path:
    """A copy of a book directory whose journal is only its header: the chart, the opening
    balances, budgets and registers stay, the year's entries are to be imported."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("published", "derivation"))
    header = (src / "journal.csv").read_text(encoding="utf-8").splitlines()[0]
    (dest / "journal.csv").write_text(header + "\n", encoding="utf-8")
    return dest


def _figures(url: str, year: int) -> list:
    with kessan.open_book(url=url, actor=ACTOR) as book:
        return book.figures(year)


def _entry_count(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT COUNT(*) FROM entry")).scalar_one()
    finally:
        engine.dispose()


def _load(book_dir: Path, url: str) -> None:
    kessan.load(kessan.open_database(url), book_dir, actor=ACTOR)


def _import(url: str, path: Path, fmt: str, mapping: Path = MAP):
    with kessan.open_book(url=url, actor=ACTOR) as book:
        return book.import_file(path, fmt, mapping)


def _xlsx(path: Path) -> Path:
    """The generic sample as a workbook, with real date and number cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "仕訳帳"
    with open(SAMPLES / "mini.generic.csv", encoding="utf-8", newline="") as fh:
        for k, row in enumerate(csv.reader(fh)):
            if k:
                row[1] = dt.datetime.strptime(row[1], "%Y/%m/%d")
                row[6], row[10] = int(row[6]), int(row[10])
            ws.append(row)
    wb.save(path)
    return path


SAMPLE_FILES = {"yayoi": "mini.yayoi.csv", "freee": "mini.freee.csv", "moneyforward": "mini.moneyforward.csv",
                "csv": "mini.generic.csv", "xlsx": None}


# ---------------------------------------------------------------- the proofs


@pytest.mark.parametrize("fmt", list(SAMPLE_FILES))
def test_sample_of_each_format_imports_to_the_figures_of_the_journal(fmt, tmp_path, db_url):
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    _load(MINI, reference)
    _load(_empty_book(MINI, tmp_path / "empty"), db_url)
    sample = _xlsx(tmp_path / "mini.xlsx") if fmt == "xlsx" else SAMPLES / SAMPLE_FILES[fmt]
    done = _import(db_url, sample, fmt)
    assert (done.entries, done.postings, done.skipped) == (5, 16, 1 if fmt == "yayoi" else 0)
    for year in (2020, 2021):
        assert _figures(db_url, year) == _figures(reference, year)
    with kessan.open_book(url=db_url, actor=ACTOR) as book:
        assert all(r.passed for r in book.verify())
        (event,) = book.log(kind="import")
        assert event.actor == ACTOR and sample.name in event.detail and event.first_entry is not None


def test_example_round_trips_through_a_shift_jis_yayoi_file(tmp_path, db_url, example_book):
    """kessan → 弥生インポート形式 (cp932, CRLF) → kessan: identical figures."""
    fresh = _empty_book(EXAMPLE, tmp_path / "fresh")
    _load(fresh, db_url)
    for year in (2020, 2021):  # 令和3年度 holds the appropriation of 令和2年度's result
        exported = example_book.export("yayoi", year)
        data = exported.data
        data.decode("cp932")  # Shift_JIS throughout
        assert not data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n") > 0
        kessan.write_file(data, tmp_path / f"y{year}.csv")
        kessan.write_file(exported.mapping.encode(), tmp_path / f"y{year}.toml")
        done = _import(db_url, tmp_path / f"y{year}.csv", "yayoi", tmp_path / f"y{year}.toml")
        assert done.entries == exported.entries > 0
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "y2020.csv").read_bytes().decode("utf-8")  # really Shift_JIS, not ASCII-only
    assert _figures(db_url, 2020) == example_book.figures(2020)
    with kessan.open_book(url=db_url, actor=ACTOR) as book:
        assert book.trial_balance(2020) == example_book.trial_balance(2020)
        assert all(r.passed for r in book.checks(2020))


def _tb(book, year: int) -> dict[str, int]:
    names = Names(book.book.chart)
    out: dict[str, int] = {}
    for b in book.trial_balance(year):
        if b.closing:
            out[names.name(b.segment, b.account)] = b.closing
    return out


def test_beancount_balances_equal_the_trial_balance(tmp_path, example_book):
    from beancount import loader
    from beancount.core import data as bc

    path = tmp_path / "jlis.beancount"
    kessan.write_file(example_book.export("beancount", 2020).data, path)
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    balances: dict[str, Decimal] = {}
    opened = {}
    for e in entries:
        if isinstance(e, bc.Open):
            opened[e.account] = e.meta
        if isinstance(e, bc.Transaction):
            for p in e.postings:
                balances[p.account] = balances.get(p.account, Decimal(0)) + p.units.number
    assert {a: int(v) for a, v in balances.items() if v} == _tb(example_book, 2020)
    assert opened["Assets:1110:General"]["name"] == "現金預金"  # the Japanese names kept as metadata
    assert opened["Assets:1110:General"]["segment_name"] == "一般事業"
    closing = [e for e in entries if isinstance(e, bc.Transaction) and "closing" in e.tags]
    assert closing and all(e.meta["kind"] == "closing" for e in closing)


def test_hledger_balances_equal_the_trial_balance(tmp_path, example_book):
    if shutil.which("hledger") is None:
        pytest.skip("hledger is not installed (scripts/setup installs it with apt-get when run as root)")
    path = tmp_path / "jlis.journal"
    kessan.write_file(example_book.export("ledger", 2020).data, path)
    run = subprocess.run(["hledger", "-f", str(path), "bal", "--flat", "--no-total", "-O", "csv"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    rows = list(csv.reader(io.StringIO(run.stdout)))[1:]
    balances = {account: int(amount.removesuffix(" JPY")) for account, amount in rows if amount != "0"}
    assert balances == _tb(example_book, 2020)
    closing = subprocess.run(["hledger", "-f", str(path), "print", "tag:kind=closing"],
                             capture_output=True, text=True, check=True).stdout
    n_closing = sum(1 for e in example_book.export("csv", 2020).data.decode().splitlines() if ",closing," in e)
    assert closing.count("kind: closing") == n_closing > 0  # every closing entry is marked, no other


def test_csv_export_is_the_journal_layout_and_neutralised(example_book):
    text = example_book.export("csv", 2020).data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["entry", "date", "kind", "memo", "segment", "account", "amount", "flow", "partner"]
    assert {r[2] for r in rows[1:] if r[2]} == {"opening", "regular", "closing", "appropriation"}
    assert sum(int(r[6]) for r in rows[1:]) == 0


def test_exported_text_never_runs_as_a_formula():
    evil = Entry("=1+1", dt.date(2020, 5, 1), "regular", '=HYPERLINK("http://x")',
                 (Posting("a", "111", 5, "op.jigyo"), Posting("a", "411", -5)))
    rows = list(csv.reader(io.StringIO(journal_csv([evil]))))
    assert rows[1][0] == "'=1+1" and rows[1][3].startswith("'=HYPERLINK")
    with kessan.open_book(MINI, actor=ACTOR) as book:
        line = yayoi_bytes(book.book, [evil]).decode("cp932")
    assert ",'=HYPERLINK(" in line.replace('"', "") and ",'=1+1," in line


def test_export_writes_through_a_temporary_file(tmp_path, mini_dir):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    _load(mini_dir, url)
    out = tmp_path / "out" / "mini.csv"
    out.parent.mkdir()
    out.write_text("old", encoding="utf-8")
    result = runner.invoke(cli, ["export", "--format", "yayoi", "--year", "2020", "--db", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.parent.iterdir()] == ["mini.csv"]  # moved into place, no temporary left
    assert out.read_bytes().split(b"\r\n")[0].startswith("2000,1,,2020/05/10,現金預金,事業収入,A事業".encode("cp932"))


# ---------------------------------------------------------------- located errors, nothing written


def _cli_import(url: str, path: Path, fmt: str, mapping: Path = MAP):
    return runner.invoke(cli, ["--user", ACTOR, "import", str(path), "--format", fmt, "--mapping", str(mapping),
                               "--db", url])


@pytest.fixture
def empty_mini(tmp_path, db_url) -> str:
    _load(_empty_book(MINI, tmp_path / "empty"), db_url)
    return db_url


def test_unmapped_names_are_listed_at_once_with_counts(tmp_path, empty_mini):
    text = MAP.read_text(encoding="utf-8")
    for line in ('"事業費" = "511"\n', '"現金預金" = "111"\n', '"B事業" = "b"\n', '"中決" = "skip"\n'):
        text = text.replace(line, "")
    mapping = tmp_path / "partial.toml"
    mapping.write_text(text, encoding="utf-8")
    before = _entry_count(empty_mini)
    result = _cli_import(empty_mini, SAMPLES / "mini.yayoi.csv", "yayoi", mapping)
    assert result.exit_code == 2, result.output
    out = " ".join(result.output.split())
    assert "unmapped 勘定科目 '現金預金': 2 lines, first at line 1" in out
    assert "unmapped 勘定科目 '事業費': 3 lines, first at line 3" in out
    assert "unmapped 部門 'B事業': 3 lines, first at line 3" in out
    assert "unmapped 決算 '中決': 1 伝票, first at line 9" in out
    assert "nothing was written" in out
    assert _entry_count(empty_mini) == before


def _yayoi(tmp_path: Path, replace: dict[str, str], name: str = "bad.csv") -> Path:
    text = (SAMPLES / "mini.yayoi.csv").read_bytes().decode("cp932")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_bytes(text.encode("cp932"))
    return path


@pytest.mark.parametrize(("replace", "expected"), [
    ({"R.02/05/10": "R.02/13/10"}, "bad.csv:1 [取引日付]: bad date 'R.02/13/10': no such day"),
    ({"R03/6/30": "H31/6/30"}, "bad.csv:8 [取引日付]: bad date 'H31/6/30': 2019-06-30 is not in 平成 (1989-01-08 to 2019-04-30)"),
    ({",300,0,事業収入": ",3O0,0,事業収入"}, "bad.csv:1 [貸方金額]: not an amount of yen: '3O0'"),
    ({"A事業,対象外,300,0,事業収入,": "A事業,対象外,301,0,事業収入,"}, "bad.csv:1 [amount]: 伝票 1 does not balance"),
    ({"2101,2,": "2100,2,"}, "bad.csv:2 [識別フラグ]: the 伝票 starting here (2110) has no last line (2101) before line 4"),
    ({"2000,1,": "2101,1,"}, "bad.csv:1 [識別フラグ]: 識別フラグ 2101 continues a 伝票, but no 伝票 was started"),
    ({"R.02/05/10": "R.03/05/10"}, "bad.csv:1 [date]: date 2021-05-10"),  # 令和3年度 of a 2020 entry: still declared
])
def test_bad_lines_are_located_and_nothing_is_written(tmp_path, empty_mini, replace, expected):
    path = _yayoi(tmp_path, replace)
    before = _entry_count(empty_mini)
    result = _cli_import(empty_mini, path, "yayoi")
    if expected.endswith("date 2021-05-10"):  # a date in another open year is fine: the entry moves year
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert _entry_count(empty_mini) == before


def test_missing_cash_flow_is_located_on_its_line(tmp_path, empty_mini):
    mapping = tmp_path / "noflow.toml"
    text = MAP.read_text(encoding="utf-8").replace('flow = "op.jigyo"\ncounter = ["411"]', 'flow = "op.jigyo"\nmemo = "^$"')
    mapping.write_text(text, encoding="utf-8")
    result = _cli_import(empty_mini, SAMPLES / "mini.yayoi.csv", "yayoi", mapping)
    assert result.exit_code == 2
    assert "mini.yayoi.csv:1 [flow]: missing cash-flow code on cash account 111" in " ".join(result.output.split())


def test_encoding_that_is_neither_utf8_nor_shift_jis_is_located(tmp_path, empty_mini):
    path = tmp_path / "latin.csv"
    path.write_bytes((SAMPLES / "mini.yayoi.csv").read_bytes() + b"2000,9,,2020/05/10,\x85\xff\n")
    result = _cli_import(empty_mini, path, "yayoi")
    assert result.exit_code == 2
    assert "latin.csv:10: wrong encoding: neither UTF-8 nor Shift_JIS (cp932)" in " ".join(result.output.split())


def test_mapping_file_is_checked_unknown_keys_and_codes(tmp_path, empty_mini):
    mapping = tmp_path / "typo.toml"
    mapping.write_text(MAP.read_text(encoding="utf-8").replace('id_prefix = "IMP-"', 'id_prefx = "IMP-"')
                       .replace('"事業費" = "511"', '"事業費" = "5111"'), encoding="utf-8")
    result = _cli_import(empty_mini, SAMPLES / "mini.yayoi.csv", "yayoi", mapping)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "typo.toml:4 [id_prefx]: import.id_prefx: unknown key" in out


def test_mapping_codes_must_be_in_the_book(tmp_path, empty_mini):
    mapping = tmp_path / "codes.toml"
    mapping.write_text(MAP.read_text(encoding="utf-8").replace('"事業費" = "511"', '"事業費" = "5111"')
                       .replace('flow = "op.jigyo"', 'flow = "op.nope"'), encoding="utf-8")
    result = _cli_import(empty_mini, SAMPLES / "mini.yayoi.csv", "yayoi", mapping)
    out = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "codes.toml:14 [事業費]: [accounts] '事業費': unknown account '5111' (not in the book)" in out
    assert "[[flow]] #2: unknown flow 'op.nope'" in out


def test_import_twice_is_refused(empty_mini):
    assert _cli_import(empty_mini, SAMPLES / "mini.generic.csv", "csv").exit_code == 0
    before = _entry_count(empty_mini)
    again = _cli_import(empty_mini, SAMPLES / "mini.generic.csv", "csv")
    assert again.exit_code == 2
    assert "entry ids are in the book already" in " ".join(again.output.split())
    assert _entry_count(empty_mini) == before


def test_adjusting_year_takes_only_closing_lines(empty_mini):
    with kessan.open_book(url=empty_mini, actor=ACTOR) as book:
        book.set_period(2020, "adjust", "決算整理")
    result = _cli_import(empty_mini, SAMPLES / "mini.yayoi.csv", "yayoi")
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "mini.yayoi.csv:1 [kind]: fiscal year 令和2年度 is ADJUSTING: only closing entries may be posted" in out
    assert "mini.yayoi.csv:6" not in out  # the 本決 伝票 is acceptable


def test_unknown_format_is_an_input_error(empty_mini):
    result = _cli_import(empty_mini, SAMPLES / "mini.generic.csv", "sjis")
    assert result.exit_code == 2
    assert "unknown import format 'sjis'" in result.output


# ---------------------------------------------------------------- the text forms


@pytest.mark.parametrize(("text", "day"), [
    ("2020/4/1", dt.date(2020, 4, 1)), ("2020/04/01", dt.date(2020, 4, 1)), ("20200401", dt.date(2020, 4, 1)),
    ("2020-04-01", dt.date(2020, 4, 1)), ("2020年4月1日", dt.date(2020, 4, 1)), ("２０２０／４／１", dt.date(2020, 4, 1)),
    ("R.02/04/01", dt.date(2020, 4, 1)), ("R02/4/1", dt.date(2020, 4, 1)), ("r.2/4/1", dt.date(2020, 4, 1)),
    ("令和2年4月1日", dt.date(2020, 4, 1)), ("令和元年5月1日", dt.date(2019, 5, 1)), ("R.元/05/01", dt.date(2019, 5, 1)),
    ("H31/04/30", dt.date(2019, 4, 30)), ("平成31年4月30日", dt.date(2019, 4, 30)), ("平成元年1月8日", dt.date(1989, 1, 8)),
    ("S64.1.7", dt.date(1989, 1, 7)),
])
def test_dates(text, day):
    assert parse_date(text) == (day, "")


@pytest.mark.parametrize(("text", "why"), [
    ("H31/05/01", "is not in 平成"), ("令和元年4月30日", "is not in 令和"), ("R.00/04/01", "starts at 元年"),
    ("2020/2/30", "no such day"), ("Q.02/04/01", "unknown era letter"), ("4月1日", "expected a date"), ("", "missing"),
])
def test_bad_dates(text, why):
    day, message = parse_date(text)
    assert day is None and why in message


@pytest.mark.parametrize(("text", "value"), [
    ("1234567", 1234567), ("1,234,567", 1234567), ("１，２３４", 1234), ("-500", -500), ("△500", -500),
    ("1000.00", 1000), ("¥1,000", 1000), (" 0 ", 0),
])
def test_amounts(text, value):
    assert parse_yen(text) == (value, "")


@pytest.mark.parametrize("text", ["1,23", "12.5", "1e3", "abc", "10000000000000000"])
def test_bad_amounts(text):
    assert parse_yen(text)[0] is None


def test_encodings():
    assert decode("現金".encode("cp932"))[:2] == ("現金", "cp932")
    assert decode("現金".encode())[:2] == ("現金", "utf-8")
    assert decode(b"\xef\xbb\xbf" + "現金".encode())[:2] == ("現金", "utf-8-sig")
    assert decode("現金".encode("utf-16"))[0] is None


def test_beancount_components_are_valid():
    assert component("1110") == "1110"
    assert component("residents_related") == "Residents-Related"
    assert component("現金").startswith("X") and component("現金") == component("現金")
    with kessan.open_book(MINI, actor=ACTOR) as book:
        names = Names(book.book.chart)
        assert names.name("a", "291") == "Liabilities:291:A"


def test_bad_arguments_fail_cleanly(tmp_path, mini_dir):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    _load(mini_dir, url)
    not_xlsx = tmp_path / "not.xlsx"
    not_xlsx.write_text("x", encoding="utf-8")
    missing = str(tmp_path / "nope")
    cases = [
        (["import", missing, "--format", "yayoi", "--mapping", str(MAP), "--db", url], "nope: file not found"),
        (["import", str(tmp_path), "--format", "csv", "--mapping", str(MAP), "--db", url], "a folder, not a file"),
        (["import", str(SAMPLES / "mini.yayoi.csv"), "--format", "yayoi", "--mapping", missing, "--db", url],
         "nope: file not found"),
        (["import", str(not_xlsx), "--format", "xlsx", "--mapping", str(MAP), "--db", url], "not an .xlsx workbook"),
        (["import", str(SAMPLES / "mini.yayoi.csv"), "--format", "freee", "--mapping", str(MAP), "--db", url],
         "the header row has no column 取引日"),
        (["export", "--format", "qif", "--db", url], "unknown export format 'qif'"),
        (["export", "--format", "csv", "--year", "1999", "--db", url], "no fiscal year 1999"),
        (["export", "--format", "csv", "--db", url, "--out", str(tmp_path / "no" / "dir.csv")], "cannot write into"),
        (["export", "--format", "ledger", "--db", url, "--mapping-out", str(tmp_path / "m.toml")],
         "only the yayoi export has a mapping"),
    ]
    for args, expected in cases:
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in " ".join(result.output.split()), (args, result.output)
        assert "Traceback" not in result.output


def test_ignored_accounts_and_a_named_sheet(tmp_path, empty_mini):
    """諸口 sides are left out (the entry still balances); the worksheet is the mapping's."""
    wb = openpyxl.Workbook()
    wb.active.title = "表紙"
    ws = wb.create_sheet("仕訳")
    ws.append(["伝票番号", "日付", "借方勘定科目", "借方部門", "借方金額", "貸方勘定科目", "貸方部門", "貸方金額", "摘要"])
    ws.append([1, dt.date(2020, 5, 10), "現金預金", "A事業", 300, "諸口", "", 0, "事業収入の受領"])
    ws.append([1, None, "諸口", "", 0, "事業収入", "A事業", "1,000"])
    path = tmp_path / "j.xlsx"
    wb.save(path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAP.read_text(encoding="utf-8").replace(
        'id_prefix = "IMP-"', 'id_prefix = "X-"\nsheet = "仕訳"\nignore_accounts = ["諸口"]'), encoding="utf-8")
    result = _cli_import(empty_mini, path, "xlsx", mapping)
    assert result.exit_code == 2  # 300 against 1,000 does not balance, on the sheet's row
    assert "j.xlsx!仕訳:2 [amount]: 伝票 1 does not balance: debits − credits = -700" in " ".join(result.output.split())
    ws.cell(3, 8).value = 300
    wb.save(path)
    result = _cli_import(empty_mini, path, "xlsx", mapping)
    assert result.exit_code == 0, result.output
    with kessan.open_book(url=empty_mini, actor=ACTOR) as book:
        rows = [e for e in book.export("csv", 2020).data.decode().splitlines() if e.startswith("X-")]
    assert rows == ["X-000002,2020-05-10,regular,事業収入の受領,a,111,300,op.jigyo,", "X-000002,,,,a,411,-300,,"]

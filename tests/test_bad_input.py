"""Bad input: a clear error naming file, line and field, exit code 2, database unchanged."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from kessan.cli import app
from kessan.store import schema as s

runner = CliRunner()
HEADER = "entry,date,kind,memo,segment,account,amount,flow,partner\n"


def _write_journal(book, rows: str) -> None:
    (book / "journal.csv").write_text(HEADER + rows, encoding="utf-8")


def _load(book, db_url):
    return runner.invoke(app, ["load", str(book), "--db", db_url])


def _counts(db_url) -> tuple[int, int, int]:
    from kessan.store import db

    eng = db.make_engine(db_url)
    db.upgrade(eng)
    with eng.connect() as conn:
        n = tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in (s.book, s.entry, s.posting))
    eng.dispose()
    return n


def assert_rejected(result, db_url, *fragments):
    assert result.exit_code == 2, result.output
    text = result.output
    for frag in fragments:
        assert frag in text, f"{frag!r} not in:\n{text}"
    assert _counts(db_url) == (0, 0, 0), "a rejected load must leave the database as it was"


GOOD = """J1,2020-05-10,regular,ok,a,1110,300,op.jigyo,
J1,,,,a,4160,-300,,
"""


def test_good_journal_loads(mini_dir, db_url):
    _write_journal(mini_dir, GOOD)
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output
    assert _counts(db_url)[0] == 1


def test_unbalanced_entry(mini_dir, db_url):
    _write_journal(mini_dir, GOOD + "J2,2020-05-11,regular,bad,a,1110,300,op.jigyo,\nJ2,,,,a,4160,-299,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:4", "[amount]", "J2 does not balance", "1")


def test_unbalanced_within_segment(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,cross,a,1110,300,op.jigyo,\nJ2,,,,b,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "within segment a", "他事業勘定")


def test_unknown_account(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,1110,300,op.jigyo,\nJ1,,,,a,9999,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "[account]", "unknown account '9999'")


def test_unknown_segment(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,zz,1110,300,op.jigyo,\nJ1,,,,zz,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[segment]", "unknown segment 'zz'")


def test_bad_date(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-13-40,regular,x,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[date]", "bad date '2020-13-40'")


def test_date_outside_fiscal_years(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2019-12-31,regular,x,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[date]", "outside every declared fiscal year")


def test_non_integer_amount(mini_dir, db_url):
    for bad in ("300.5", "1,000", "３００", "abc", ""):
        _write_journal(mini_dir, f'J1,2020-05-10,regular,x,a,1110,"{bad}",op.jigyo,\nJ1,,,,a,4160,-300,,\n')
        assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[amount]", "not an integer amount of yen")


def test_missing_cash_flow_code(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,1110,300,,\nJ1,,,,a,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[flow]", "missing cash-flow code")


def test_missing_partner_on_inter_segment_account(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,2190,300,,\nJ1,,,,a,1110,-300,op.other_out,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[partner]", "missing partner")


def test_duplicate_entry_id(mini_dir, db_url):
    other = "J9,2020-05-11,regular,sep,a,1110,1,op.jigyo,\nJ9,,,,a,4160,-1,,\n"
    again = "J1,2020-05-12,regular,again,a,1110,1,op.jigyo,\nJ1,,,,a,4160,-1,,\n"
    _write_journal(mini_dir, GOOD + other + again)
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:6", "[entry]", "duplicate entry id 'J1'")


def test_malformed_csv(mini_dir, db_url):
    _write_journal(mini_dir, 'J1,2020-05-10,regular,"unclosed,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-300,,\n')
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "malformed CSV")


def test_wrong_header(mini_dir, db_url):
    (mini_dir / "journal.csv").write_text("id,date,amount\nJ1,2020-05-10,1\n", encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:1", "header must be")


def test_malformed_toml(mini_dir, db_url):
    (mini_dir / "accounts.toml").write_text('[[account]]\ncode = "1110"\nname = 現金\n', encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "accounts.toml:3", "malformed TOML")


def test_empty_book_toml(mini_dir, db_url):
    (mini_dir / "book.toml").write_text("", encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "book.toml [code]: [book]: missing 'code'",
                    "no [[fiscal_year]] declared")


def test_wrong_encoding(mini_dir, db_url):
    (mini_dir / "journal.csv").write_bytes((HEADER + "J1,2020-05-10,regular,事業収入,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-300,,\n")
                                           .encode("shift_jis"))
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "wrong encoding")


def test_error_late_in_journal_rolls_back_everything(mini_dir, db_url):
    good = "".join(f"G{i},2020-06-01,regular,ok,a,1110,{i},op.jigyo,\nG{i},,,,a,4160,-{i},,\n" for i in range(1, 300))
    _write_journal(mini_dir, good + "Z1,2020-07-01,regular,bad,a,1110,5,op.jigyo,\nZ1,,,,a,4160,-4,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:600", "Z1 does not balance")


def test_bad_input_leaves_existing_book_intact(mini_dir, db_url, tmp_path):
    assert _load(mini_dir, db_url).exit_code == 0
    before = _counts(db_url)
    other = tmp_path / "other"
    import shutil

    shutil.copytree(mini_dir, other)
    text = (other / "book.toml").read_text(encoding="utf-8")
    (other / "book.toml").write_text(text.replace('"mini"', '"mini2"'), encoding="utf-8")
    _write_journal(other, "J1,2020-05-10,regular,x,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-1,,\n")
    result = _load(other, db_url)
    assert result.exit_code == 2
    assert _counts(db_url) == before


def test_unknown_flow_and_misapplied_flow(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,1110,300,op.nope,\nJ1,,,,a,4160,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[flow]", "unknown flow 'op.nope'")
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,1110,300,op.jigyo,\nJ1,,,,a,4160,-300,net_income,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "only allowed in closing entries")


def test_amounts_beyond_the_bound_are_located_input_errors(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,big,a,1110,1000000000000001,op.jigyo,\nJ2,,,,a,4160,-1000000000000001,,\n"
                             "J3,2020-05-12,regular,huge,a,1110,9000000000000000000,op.jigyo,\nJ3,,,,a,4160,-9000000000000000000,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [amount]", "beyond ±1,000,000,000,000,000 yen",
                    "journal.csv:4 [amount]")


def test_the_largest_amount_loads(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,max,a,1110,1000000000000000,op.jigyo,\nJ2,,,,a,4160,-1000000000000000,,\n")
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output

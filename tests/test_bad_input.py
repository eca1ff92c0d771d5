"""Bad input: a clear error naming file, line and field, exit code 2, database unchanged."""

from __future__ import annotations

import pytest
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


GOOD = """J1,2020-05-10,regular,ok,a,111,300,op.jigyo,
J1,,,,a,411,-300,,
"""


def test_good_journal_loads(mini_dir, db_url):
    _write_journal(mini_dir, GOOD)
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output
    assert _counts(db_url)[0] == 1


def test_unbalanced_entry(mini_dir, db_url):
    _write_journal(mini_dir, GOOD + "J2,2020-05-11,regular,bad,a,111,300,op.jigyo,\nJ2,,,,a,411,-299,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:4", "[amount]", "J2 does not balance", "1")


def test_unbalanced_within_segment(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,cross,a,111,300,op.jigyo,\nJ2,,,,b,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "within segment a", "他事業勘定")


def test_unknown_account(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,111,300,op.jigyo,\nJ1,,,,a,9999,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "[account]", "unknown account '9999'")


def test_unknown_segment(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,zz,111,300,op.jigyo,\nJ1,,,,zz,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[segment]", "unknown segment 'zz'")


def test_bad_date(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-13-40,regular,x,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[date]", "bad date '2020-13-40'")


def test_date_outside_fiscal_years(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2019-12-31,regular,x,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[date]", "outside every declared fiscal year")


def test_non_integer_amount(mini_dir, db_url):
    for bad in ("300.5", "1,000", "３００", "abc", ""):
        _write_journal(mini_dir, f'J1,2020-05-10,regular,x,a,111,"{bad}",op.jigyo,\nJ1,,,,a,411,-300,,\n')
        assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[amount]", "not an integer amount of yen")


def test_missing_cash_flow_code(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,111,300,,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[flow]", "missing cash-flow code")


def test_missing_partner_on_inter_segment_account(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,291,300,,\nJ1,,,,a,111,-300,op.other_out,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[partner]", "missing partner")


def test_duplicate_entry_id(mini_dir, db_url):
    other = "J9,2020-05-11,regular,sep,a,111,1,op.jigyo,\nJ9,,,,a,411,-1,,\n"
    again = "J1,2020-05-12,regular,again,a,111,1,op.jigyo,\nJ1,,,,a,411,-1,,\n"
    _write_journal(mini_dir, GOOD + other + again)
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:6", "[entry]", "duplicate entry id 'J1'")


def test_malformed_csv(mini_dir, db_url):
    _write_journal(mini_dir, 'J1,2020-05-10,regular,"unclosed,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n')
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "malformed CSV")


def test_wrong_header(mini_dir, db_url):
    (mini_dir / "journal.csv").write_text("id,date,amount\nJ1,2020-05-10,1\n", encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:1", "header must be")


def test_malformed_toml(mini_dir, db_url):
    (mini_dir / "accounts.toml").write_text('[[account]]\ncode = "111"\nname = 現金\n', encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "accounts.toml:3", "malformed TOML")


def test_empty_book_toml(mini_dir, db_url):
    (mini_dir / "book.toml").write_text("", encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "book.toml [code]: [book]: missing 'code'",
                    "no [[fiscal_year]] declared")


def test_wrong_encoding(mini_dir, db_url):
    (mini_dir / "journal.csv").write_bytes((HEADER + "J1,2020-05-10,regular,事業収入,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n")
                                           .encode("shift_jis"))
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "wrong encoding")


def test_error_late_in_journal_rolls_back_everything(mini_dir, db_url):
    good = "".join(f"G{i},2020-06-01,regular,ok,a,111,{i},op.jigyo,\nG{i},,,,a,411,-{i},,\n" for i in range(1, 300))
    _write_journal(mini_dir, good + "Z1,2020-07-01,regular,bad,a,111,5,op.jigyo,\nZ1,,,,a,411,-4,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:600", "Z1 does not balance")


def test_bad_input_leaves_existing_book_intact(mini_dir, db_url, tmp_path):
    assert _load(mini_dir, db_url).exit_code == 0
    before = _counts(db_url)
    other = tmp_path / "other"
    import shutil

    shutil.copytree(mini_dir, other)
    text = (other / "book.toml").read_text(encoding="utf-8")
    (other / "book.toml").write_text(text.replace('"mini"', '"mini2"'), encoding="utf-8")
    _write_journal(other, "J1,2020-05-10,regular,x,a,111,300,op.jigyo,\nJ1,,,,a,411,-1,,\n")
    result = _load(other, db_url)
    assert result.exit_code == 2
    assert _counts(db_url) == before


def test_unknown_flow_and_misapplied_flow(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,111,300,op.nope,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2", "[flow]", "unknown flow 'op.nope'")
    _write_journal(mini_dir, "J1,2020-05-10,regular,x,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,net_income,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3", "only allowed in closing entries")


def test_amounts_beyond_the_bound_are_located_input_errors(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,big,a,111,1000000000000001,op.jigyo,\nJ2,,,,a,411,-1000000000000001,,\n"
                             "J3,2020-05-12,regular,huge,a,111,9000000000000000000,op.jigyo,\nJ3,,,,a,411,-9000000000000000000,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [amount]", "beyond ±1,000,000,000,000,000 yen",
                    "journal.csv:4 [amount]")


def test_amounts_whose_sums_could_overflow_64_bits_are_a_located_input_error(mini_dir, db_url):
    # each amount is within the bound, but 9,002 postings of 10^15 add up beyond
    # 9 × 10^18: a database SUM over them (the balance aggregate, verify, a statement) overflows
    big = "".join(f"V{i},2020-07-01,regular,big,a,111,1000000000000000,op.jigyo,\nV{i},,,,a,411,-1000000000000000,,\n"
                  for i in range(4_501))
    _write_journal(mini_dir, big)
    # Σ|amount| passes 9 × 10^18 with the 9,000th posting of 10^15 (line 9,001): the opening adds a few yen
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:9001 [amount]",
                    "add up to more than 9,000,000,000,000,000,000 yen")


def test_the_largest_amount_loads(mini_dir, db_url):
    _write_journal(mini_dir, "J2,2020-05-11,regular,max,a,111,1000000000000000,op.jigyo,\nJ2,,,,a,411,-1000000000000000,,\n")
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- found by scripts/fuzz (bench/fuzz.py)
# Each of these broke a rule the fuzzer counts: a bad book loaded, a traceback, a rejection that
# named no file or line, or a valid book refused. A bad input is a located error (file, line,
# field), exit 2, nothing written.


def _edit(book, name: str, old: str, new: str, count: int = 1) -> None:
    path = book / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_a_date_equal_to_the_earliest_date_is_checked_not_dropped(mini_dir, db_url):
    # 0001-01-01 was the reader's marker for "date already reported": the entry vanished silently
    _write_journal(mini_dir, GOOD + "J2,0001-01-01,regular,x,a,111,5,op.jigyo,\nJ2,,,,a,411,-5,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:4 [date]", "outside every declared fiscal year")


@pytest.mark.parametrize("date", ["20200510", "2020-W19-7", "2020-5-10", "令和2年5月10日", "2020/05/10"])
def test_a_date_is_written_yyyy_mm_dd(mini_dir, db_url, date):
    # fromisoformat also takes 20200510 and 2020-W19-7 (ISO 8601 basic and week dates)
    _write_journal(mini_dir, f"J1,{date},regular,x,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [date]", "expected YYYY-MM-DD")


def test_the_journal_holds_no_opening_entry(mini_dir, db_url):
    # kind opening in journal.csv also escaped the flows a cash posting needs
    _write_journal(mini_dir, "J1,2020-05-10,opening,x,a,111,300,,\nJ1,,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [kind]", "the opening entry is opening.csv")


@pytest.mark.parametrize("blank", [" ", "\u3000", "\t"])
def test_blank_date_kind_and_memo_on_a_later_row_are_empty(mini_dir, db_url, blank):
    # every field is stripped; a later row's blank date was compared unstripped and refused
    _write_journal(mini_dir, f"J1,2020-05-10,regular,ok,a,111,300,op.jigyo,\nJ1,{blank},{blank},{blank},a,411,-300,,\n")
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output


def test_a_later_row_names_the_field_that_differs(mini_dir, db_url):
    _write_journal(mini_dir, "J1,2020-05-10,regular,ok,a,111,300,op.jigyo,\nJ1,,,other,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:3 [memo]", "must be empty or equal")


@pytest.mark.parametrize("name,text", [
    ("journal.csv", HEADER + "J1,2020-05-10,regular,a\x00b,a,111,300,op.jigyo,\nJ1,,,,a,411,-300,,\n"),
    ("opening.csv", "segment,account,amount,partner\na,111,1000,\x00\na,311,-1000,\n"),
])
def test_a_nul_character_in_a_csv_file_is_bad_input(mini_dir, db_url, name, text):
    # SQLite stored it; PostgreSQL refused the text with an error that named no file
    (mini_dir / name).write_text(text, encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, f"{name}:2", "NUL character")


def test_a_utf8_byte_order_mark_is_accepted_on_toml_files(mini_dir, db_url):
    # docs/book-format.md: a BOM is rejected only if the rest is not UTF-8; TOML files refused it
    for name in ("book.toml", "segments.toml", "accounts.toml", "flows.toml", "layouts/10_bs.toml", "publish.toml"):
        path = mini_dir / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output
    report = runner.invoke(app, ["report", str(mini_dir), "--statement", "bs"])
    assert report.exit_code == 0, report.output


@pytest.mark.parametrize("edit,fragments", [
    # a string where a boolean belongs was bool("no") == True: 131 became a cash account
    (("accounts.toml", 'name = "未収金"\n', 'name = "未収金"\ncash = "no"\n'),
     ["accounts.toml:10 [cash]", "must be true or false"]),
    # TypeError: 'int' object is not iterable
    (("layouts/10_bs.toml", 'accounts = ["111"]', "accounts = 0"), ["layouts/10_bs.toml:16 [accounts]", "an array of account"]),
    (("layouts/10_bs.toml", "indent = 1", 'indent = "1"'), ["layouts/10_bs.toml:17 [indent]", "must be an integer"]),
    (("layouts/10_bs.toml", "order = 10", "order = 10.5"), ["layouts/10_bs.toml:8 [order]", "must be an integer"]),
    (("layouts/30_appropriation.toml", 'ties_to = "pl.net_income"', "ties_to = 0"), ["[ties_to]", "must be a string"]),
    (("book.toml", "report_year = 2020", "report_year = 2020.0"), ["book.toml:4 [report_year]", "must be an integer"]),
    (("book.toml", 'label = "令和2年度"', "label = 2020"), ["book.toml:8 [label]", "must be a string"]),
    # AttributeError in the closing: 'str' object has no attribute 'get'
    (("book.toml", 'report_year = 2020\n', 'report_year = 2020\nclosing = "5910"\n'), ["book.toml:5 [closing]", "a table"]),
    # the book's settings are stored as JSON: a date was a TypeError when the book was stored
    (("book.toml", 'report_year = 2020\n', 'report_year = 2020\napproved = 2021-06-23\n'), ["book.toml:5 [approved]"]),
    (("flows.toml", 'applies_to = "cash"', 'applies_to = ["cash"]'), ["flows.toml:4 [applies_to]", "must be a string"]),
])
def test_a_toml_value_of_the_wrong_type_is_a_located_error(mini_dir, db_url, edit, fragments):
    _edit(mini_dir, *edit)
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


@pytest.mark.parametrize("edit,fragments", [
    # an account with kind "" was dropped without a word: only its postings were reported, elsewhere
    (("accounts.toml", 'kind = "liability"', 'kind = ""'), ["accounts.toml [kind]", "unknown kind ''"]),
    (("segments.toml", 'name = "A事業"', 'name = ""'), ["segments.toml:3 [name]", "must not be empty"]),
    (("flows.toml", 'code = "transfer"', 'code = "op.jigyo"'), ["flows.toml [code]", "duplicate flow code 'op.jigyo'"]),
    (("book.toml", "year = 2021", 'year = 2021\nstate = "FOO"'), ["book.toml:12 [state]", "not one of OPEN, ADJUSTING, CLOSED"]),
    # year 0 was skipped (if year:), year 10000 has no 31 March
    (("book.toml", "year = 2021", "year = 0"), ["book.toml:11 [year]", "not between 1 and 9,998"]),
    (("book.toml", "year = 2021", "year = 10000"), ["book.toml:11 [year]", "not between 1 and 9,998"]),
    (("layouts/40_na.toml", 'id = "na"', 'id = ""'), ["layouts/40_na.toml:2 [id]", "must not be empty"]),
])
def test_empty_unknown_and_duplicate_declarations_are_named(mini_dir, db_url, edit, fragments):
    _edit(mini_dir, *edit)
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


@pytest.mark.parametrize("name", ["accounts.toml", "flows.toml"])
def test_an_empty_chart_file_says_so(mini_dir, db_url, name):
    (mini_dir / name).write_text("# nothing yet\n", encoding="utf-8")
    what = name.removesuffix("s.toml")
    assert_rejected(_load(mini_dir, db_url), db_url, f"{name} [{what}]: no [[{what}]] declared")


def test_two_layouts_with_one_statement_id(mini_dir, db_url):
    # the later one silently replaced the first
    (mini_dir / "layouts" / "11_copy.toml").write_text((mini_dir / "layouts" / "10_bs.toml").read_text(encoding="utf-8"),
                                                       encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "layouts/11_copy.toml [id]", "also declared in layouts/10_bs.toml")


SCHEDULE = """[statement]
id = "sched"
title = "明細"
table = "明細"

[[column]]
id = "open"
name = "期首"
basis = "opening"

[[column]]
id = "open"
name = "期末"

[[line]]
id = "cash"
label = "現金"
accounts = ["111"]
"""


def test_two_columns_with_one_id(mini_dir, db_url):
    (mini_dir / "layouts" / "90_sched.toml").write_text(SCHEDULE, encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "layouts/90_sched.toml [id]", "duplicate column id 'open'")


@pytest.mark.parametrize("edit,fragments", [
    # KeyError 'pl.nope' when the report or `kessan check` computed it
    (("layouts/30_appropriation.toml", 'formula = "pl.net_income"', 'formula = "pl.nope"'),
     ["layouts/30_appropriation.toml [formula]", "no line 'nope' in pl"]),
    (("layouts/30_appropriation.toml", 'ties_to = "pl.net_income"', 'ties_to = "xx.net_income"'),
     ["layouts/30_appropriation.toml [ties_to]", "no statement 'xx'"]),
    (("layouts/40_na.toml", 'ties_to = "ni"', 'ties_to = "nope"'), ["layouts/40_na.toml [ties_to]", "no line 'nope' in na"]),
    (("layouts/40_na.toml", 'ties_to = "ni"', 'ties_to = "ni +"'), ["layouts/40_na.toml [ties_to]", "ends with an operator"]),
    # TypeError in `kessan check`: a line without an amount has nothing to tie
    (("layouts/30_appropriation.toml", 'formula = "pl.net_income"\n', ""), ["[ties_to]", "a line without an amount"]),
])
def test_references_to_other_lines_are_checked_when_the_book_is_read(mini_dir, db_url, edit, fragments):
    _edit(mini_dir, *edit)
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


@pytest.mark.parametrize("edit,fragments", [
    # SQLite kept any length; PostgreSQL refused with "value too long", naming no file
    (("segments.toml", 'name = "A事業"', f'name = "{"名" * 257}"'), ["segments.toml:3 [name]", "257 characters; at most 256"]),
    (("segments.toml", 'code = "a"', f'code = "{"a" * 65}"'), ["segments.toml:2 [code]", "65 characters; at most 64"]),
    (("book.toml", 'label = "令和2年度"', f'label = "{"年" * 65}"'), ["book.toml:8 [label]", "at most 64"]),
])
def test_texts_longer_than_the_database_keeps(mini_dir, db_url, edit, fragments):
    _edit(mini_dir, *edit)
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


def test_an_entry_id_longer_than_the_database_keeps(mini_dir, db_url):
    long = "E" * 65
    _write_journal(mini_dir, f"{long},2020-05-10,regular,x,a,111,300,op.jigyo,\n{long},,,,a,411,-300,,\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [entry]", "entry id of 65 characters; at most 64")


def test_a_layout_in_a_wrong_encoding_is_named_with_its_folder(mini_dir, db_url):
    path = mini_dir / "layouts" / "10_bs.toml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    assert_rejected(_load(mini_dir, db_url), db_url, "layouts/10_bs.toml:4", "wrong encoding")


def test_an_unbalanced_opening_names_the_segment_s_first_line(mini_dir, db_url):
    # the opening entry's problems named no line
    _edit(mini_dir, "opening.csv", "b,111,500,", "b,111,501,")
    assert_rejected(_load(mini_dir, db_url), db_url, "opening.csv:2 [amount]", "does not balance: debits − credits = 1")
    _edit(mini_dir, "opening.csv", "a,111,1000,", "a,111,999,")
    assert_rejected(_load(mini_dir, db_url), db_url, "opening.csv:2 [amount]", "within segment a",
                    "opening.csv:4 [amount]", "within segment b")


def test_a_table_where_an_array_of_tables_belongs(mini_dir, db_url):
    # [segment] instead of [[segment]]: its keys were iterated as segments, AttributeError
    (mini_dir / "segments.toml").write_text('[segment]\ncode = "a"\nname = "A事業"\n', encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "segments.toml:1 [segment]", "must be an array of tables")


def test_a_multi_line_row_is_named_by_its_first_line(mini_dir, db_url):
    _write_journal(mini_dir, 'J1,2020-05-10,regular,"two\nlines",a,9999,300,op.jigyo,\nJ1,,,,a,411,-300,,\n')
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:2 [account]", "unknown account '9999'")


@pytest.mark.parametrize("name", ["journal.csv", "opening.csv", "accounts.toml", "layouts/10_bs.toml", "inputs.toml",
                                  "subledgers/leases.csv"])
def test_a_folder_where_a_file_belongs(mini_dir, db_url, name):
    # IsADirectoryError: a traceback
    (mini_dir / name).unlink(missing_ok=True)
    (mini_dir / name).mkdir(parents=True)
    assert_rejected(_load(mini_dir, db_url), db_url, f"{name}: a folder, not a file")


def test_a_toml_value_nested_too_deeply(mini_dir, db_url):
    # tomllib parses nesting recursively: a RecursionError, a traceback
    path = mini_dir / "book.toml"
    path.write_text("deep = " + "[" * 5000 + "]" * 5000 + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "book.toml: malformed TOML: arrays or tables nested too deeply")


def test_a_closing_account_setting_points_to_its_role(mini_dir, db_url):
    _edit(mini_dir, "book.toml", "report_year = 2020\n", 'report_year = 2020\n\n[book.closing]\nresident_tax_account = "9999"\n')
    assert_rejected(_load(mini_dir, db_url), db_url, "book.toml:7 [closing.resident_tax_account]",
                    'declare roles = ["resident_tax_expense"]')


@pytest.mark.parametrize("setting,fragment", [
    ('disposal_year_depreciaton = "monthly"', "unknown setting 'disposal_year_depreciaton'"),  # a typo
    ('disposal_year_depreciation = "daily"', "'daily' is not one of none, monthly"),
    ('lease_depreciation_rounding = 1', "1 is not one of cumulative, yearly"),
    ('memorandum_value = { "9999" = 1 }', "unknown account '9999'"),
    ('memorandum_value = { "111" = 2 }', "2 is not 1 or 0"),
])
def test_a_bad_closing_option_is_located(mini_dir, db_url, setting, fragment):
    _edit(mini_dir, "book.toml", "report_year = 2020\n", f"report_year = 2020\n\n[book.closing]\n{setting}\n")
    assert_rejected(_load(mini_dir, db_url), db_url, "book.toml:7 [closing.", fragment)


@pytest.mark.parametrize("rows,fragments", [
    # int("²") after "²".isdigit(): ValueError, a traceback
    ("²⁰¹⁴,a,1.0\n", ["history/trend.csv:2 [year]", "not a year"]),
    ("２０１４,a,1.0\n", ["history/trend.csv:2 [year]", "not a year"]),
    ("2014,a,١٢.٣\n", ["history/trend.csv:2 [value]", "not a decimal number"]),
    ("2014,a,1.0\n2014,a,2.0\n", ["history/trend.csv:3 [year]", "duplicate figure"]),
])
def test_history_figures_are_ascii_numbers(mini_dir, db_url, rows, fragments):
    (mini_dir / "history").mkdir()
    (mini_dir / "history" / "trend.csv").write_text("year,segment,value\n" + rows, encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


def test_an_input_beyond_the_largest_amount(mini_dir, db_url):
    (mini_dir / "inputs.toml").write_text('[[input]]\nkey = "x"\nyear = 2020\namount = 10000000000000000\nsource = "s"\n',
                                          encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "inputs.toml:4 [amount]", "not between")


def test_budget_problems_found_by_the_fuzzer(mini_dir, db_url):
    from .test_budget import CHAIN, INITIAL, JUNE, _with_budget

    # a revision's file outside budget/ was read; "." is the folder itself: IsADirectoryError
    for file, fragment in (("../journal.csv", "must name a file in budget/"), (".", "a folder, not a file")):
        _with_budget(mini_dir, CHAIN.replace('file = "june.csv"', f'file = "{file}"'), {"initial.csv": INITIAL})
        assert_rejected(_load(mini_dir, db_url), db_url, "budget/", fragment)
    # int("x"): ValueError
    _with_budget(mini_dir, CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE})
    (mini_dir / "budget" / "notes.toml").write_text('[[reason]]\nstatement = "budget_pl"\nline = "revenue"\ntext = "t"\n'
                                                    'part = "x"\n', encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, "budget/notes.toml:5 [part]", "must be an integer")
    # an amount for a line no budget layout has names its file and line (was "budget/june [line]")
    (mini_dir / "budget" / "notes.toml").unlink()
    _with_budget(mini_dir, CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE + ",revenue,,1\n"})
    assert_rejected(_load(mini_dir, db_url), db_url, "budget/june.csv:5 [line]", ".revenue: not a line of a budget layout")


LEASES = "lease,segment,first_due,term_months,amount,monthly_rate,payment\n"
ASSETS = ("asset,name,segment,cost_account,contra_account,expense_account,method,useful_life,lease_months,in_use,cost,"
          "grant_account,funded_amount,disposed,opening_accumulated,opening_year,revised_base\n")


@pytest.mark.parametrize("name,text,fragments", [
    # int("--5") after "--5".lstrip("-").isdigit(): ValueError, a traceback
    ("leases.csv", LEASES + "L1,a,2020-04-30,--5,1200,,\n", ["subledgers/leases.csv:2 [term_months]", "not a whole number"]),
    # the lease schedule of the notes refused it: ValueError, a traceback from `kessan load`
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,-1200,,\n", ["subledgers/leases.csv:2 [amount]", "never negative"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,1200,,100\n", ["subledgers/leases.csv:2 [payment]", "利息法 only"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,1200,0.01,1\n", ["subledgers/leases.csv [lease L1]", "does not amortise"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,0,1200,,\n", ["subledgers/leases.csv:2 [term_months]", "between 1 and 1200"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,1200,NaN,\n", ["subledgers/leases.csv:2 [monthly_rate]", "not a decimal"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,1200,０.０１,\n", ["subledgers/leases.csv:2 [monthly_rate]", "not a decimal"]),
    ("leases.csv", LEASES + "L1,a,20200430,12,1200,,\n", ["subledgers/leases.csv:2 [first_due]", "expected YYYY-MM-DD"]),
    ("leases.csv", LEASES + "L1,a,2020-04-30,12,1200,,\nL2,a,2020-04-30,12,1\x00,,\n", ["subledgers/leases.csv:3", "NUL"]),
    ("fixed_assets.csv", ASSETS + "A1,机,a,131,,511,straight_line,0,,2020-04-01,1000,,,,,,\n",
     ["subledgers/fixed_assets.csv:2 [useful_life]", "between 1 and 100"]),
])
def test_register_problems_are_located_errors(mini_dir, db_url, name, text, fragments):
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / name).write_text(text, encoding="utf-8")
    assert_rejected(_load(mini_dir, db_url), db_url, *fragments)


@pytest.mark.parametrize("data,fragments", [
    # UnicodeDecodeError: a traceback from `kessan report` and `kessan publish`
    ("cp932", ["publish.toml:4", "wrong encoding"]),
    ('[package]\ndate = 2021-06-23T09:00:00\n', ["publish.toml:2 [date]", "a date (YYYY-MM-DD)"]),
    ('[labels]\nsegments = 3\n', ["publish.toml:2 [segments]", "must be a string"]),
    ('[package]\nfile = "../outside"\n', ["publish.toml [package.file]", "without /"]),
])
def test_publish_toml_problems_are_located_errors(mini_dir, db_url, data, fragments):
    path = mini_dir / "publish.toml"
    if data == "cp932":
        path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    else:
        path.write_text(data, encoding="utf-8")
    result = runner.invoke(app, ["report", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2, result.output
    for frag in fragments:
        assert frag in result.output, result.output
    assert "internal error" not in result.output


def test_the_readers_length_limits_are_the_database_s():
    """What a reader lets through, the database keeps: the limits the readers check are the
    lengths of store/schema.py (SQLite would keep more, PostgreSQL refuses it)."""
    from kessan.io import budget, history, inputs, reader

    def length(column: sa.Column) -> int:
        return column.type.length  # type: ignore[attr-defined]

    codes = (s.book.c.code, s.segment.c.code, s.account.c.code, s.flow.c.code, s.entry.c.code)
    assert {length(c) for c in codes} == {reader.CODE_LIMIT}
    assert {length(c) for c in (s.book.c.name, s.segment.c.name, s.account.c.name, s.flow.c.name)} == {reader.NAME_LIMIT}
    assert length(s.fiscal_year.c.label) == reader.LABEL_LIMIT
    assert length(s.layout.c.name) == reader.LAYOUT_NAME_LIMIT
    assert {length(c) for c in (s.budget_revision.c.code, s.budget_revision.c.revises, s.budget_amount.c.statement,
                                s.budget_amount.c.line, s.budget_text.c.statement)} == {budget.CODE}
    assert {length(c) for c in (s.budget_revision.c.name, s.budget_revision.c.body)} == {budget.NAME}
    assert (length(s.budget_text.c.mark), length(s.budget_text.c.source), length(s.budget_text.c.line)) == (
        budget.MARK, budget.SOURCE, budget.NOTE_LINES)
    assert (length(s.history_figure.c.series), length(s.history_figure.c.value)) == (history.SERIES_LIMIT,
                                                                                       history.VALUE_LIMIT)
    assert (length(s.input_value.c.key), length(s.input_value.c.label)) == (inputs.KEY_LIMIT, inputs.LABEL_LIMIT)


def test_an_entry_repeated_under_its_id_is_not_merged(mini_dir, db_url):
    """Two entries under one id on adjacent rows, the second giving date, kind and memo again
    after the first's later rows left them empty: a located error, not one merged entry."""
    block = "J2,2020-05-11,regular,dup,a,111,300,op.jigyo,\nJ2,,,,a,411,-300,,\n"
    _write_journal(mini_dir, block + block)
    assert_rejected(_load(mini_dir, db_url), db_url, "journal.csv:4 [entry]", "entry J2 starts again here")
    # an entry whose every row repeats its head is one entry, as exports write it
    _write_journal(mini_dir, "J3,2020-05-11,regular,all,a,111,300,op.jigyo,\nJ3,2020-05-11,regular,all,a,411,-300,,\n")
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("later_row", [
    "J3,,,all,a,411,-300,,",            # repeats only the memo
    "J3,2020-05-11,,,a,411,-300,,",     # only the date
    "J3,, ,  ,a,411,-300,,",            # blanks are empty
    "J3,,regular,,a,411,-300,,",        # only the kind
])
def test_a_later_row_repeating_part_of_the_head_after_a_bare_row_is_the_same_entry(mini_dir, db_url, later_row):
    # found by scripts/fuzz: only a row giving date and kind again, as a first row does, starts a
    # second entry under the same id; a continuation row may repeat a part of the head
    _write_journal(mini_dir, "J3,2020-05-11,regular,all,a,111,300,op.jigyo,\nJ3,,,,a,411,-100,,\n"
                             + later_row.replace("-300", "-200") + "\n")
    result = _load(mini_dir, db_url)
    assert result.exit_code == 0, result.output


def test_an_unknown_rounding_rule_in_a_layout_is_a_located_error(example_dir):
    # found by scripts/fuzz: `rounding = "sû"` was a traceback (ValueError) when the report was built
    book = example_dir
    path = book / "layouts" / "80_summary_bs.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('\nrounding = "half_up"', '\nrounding = "sû"'), encoding="utf-8")
    line = text.split("\n").index('rounding = "half_up"') + 1
    result = runner.invoke(app, ["report", str(book)])
    assert result.exit_code == 2, result.output
    assert f"layouts/80_summary_bs.toml:{line} [rounding]" in result.output
    assert "'sû' is not one of half_up, truncate" in result.output

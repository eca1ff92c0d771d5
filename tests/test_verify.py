"""kessan verify detects every tampering with the stored books, on SQLite and PostgreSQL:
the hostile user below has full SQL access and drops the guarding triggers when they get in
the way; verify recomputes the hash chains and names what it finds broken (exit 1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kessan.cli import app

runner = CliRunner()

GUARDS = {  # trigger name → table, as created by migrations 0001 and 0005 on each dialect
    "sqlite": {"posting_no_update": "posting", "posting_no_delete": "posting", "entry_period_lock": "entry",
               "fiscal_year_state_recorded": "fiscal_year", "period_event_no_delete": "period_event",
               "period_link_no_delete": "period_link", "balance": ""},
    "postgresql": {"posting_immutable": "posting", "entry_period_lock": "entry", "fiscal_year_state_recorded": "fiscal_year",
                   "period_event_append_only": "period_event", "period_link_append_only": "period_link"},
}


def _drop_guards(conn: sa.Connection) -> None:
    """What a hostile user with SQL access does first: drop the triggers that refuse the change."""
    dialect = conn.dialect.name
    for trigger, table in GUARDS[dialect].items():
        if not table:
            continue
        if dialect == "sqlite":
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger} ON {table}"))


def _closed_book(mini_dir, db_url) -> None:
    for args in (["load", str(mini_dir)], ["period", "adjust", "--year", "2020"], ["period", "close", "--year", "2020"]):
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 0, result.output


def _verify(db_url) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", "--db", db_url], env={"COLUMNS": "250"})
    return result.exit_code, result.output


BOOK = "(SELECT id FROM book WHERE code = 'mini')"
TAMPERING = {
    "a posting slipped into an entry of the closed year": [
        f"INSERT INTO posting (book_id, entry_no, line_no, fiscal_year, period, kind, segment_id, account_id, flow_id, "
        f"partner_id, amount) SELECT book_id, entry_no, 9, fiscal_year, period, kind, segment_id, account_id, flow_id, "
        f"partner_id, 1000 FROM posting WHERE book_id = {BOOK} AND entry_no = 2 AND line_no = 1"],
    "the closed year reopened behind the period history": [
        f"UPDATE fiscal_year SET state = 'OPEN' WHERE book_id = {BOOK} AND year = 2020"],
    "the period history deleted": [
        f"DELETE FROM period_link WHERE book_id = {BOOK}", f"DELETE FROM period_event WHERE book_id = {BOOK}"],
    "100 yen moved between the two postings of an entry": [
        f"UPDATE posting SET amount = amount + 100 WHERE book_id = {BOOK} AND entry_no = 2 AND line_no = 1",
        f"UPDATE posting SET amount = amount - 100 WHERE book_id = {BOOK} AND entry_no = 2 AND line_no = 2"],
    "a balanced pair inserted as a new entry of the closed year": [
        f"INSERT INTO entry (book_id, entry_no, code, date, fiscal_year, kind, memo) VALUES "
        f"({BOOK}, 900, 'X1', '2020-07-01', 2020, 'regular', 'x')",
        f"INSERT INTO posting (book_id, entry_no, line_no, fiscal_year, period, kind, segment_id, account_id, flow_id, "
        f"partner_id, amount) SELECT {BOOK}, 900, 1, 2020, 4, 'regular', segment_id, account_id, 0, 0, 1000000000 "
        f"FROM posting WHERE book_id = {BOOK} AND entry_no = 2 AND line_no = 1",
        f"INSERT INTO posting (book_id, entry_no, line_no, fiscal_year, period, kind, segment_id, account_id, flow_id, "
        f"partner_id, amount) SELECT {BOOK}, 900, 2, 2020, 4, 'regular', segment_id, account_id, 0, 0, -1000000000 "
        f"FROM posting WHERE book_id = {BOOK} AND entry_no = 2 AND line_no = 2"],
}
EXPECTED = {
    "a posting slipped into an entry of the closed year": "hash chain of the entries",
    "the closed year reopened behind the period history": "period states are those their events record",
    "the period history deleted": "hash chain of the period events",
    "100 yen moved between the two postings of an entry": "hash chain of the entries",
    "a balanced pair inserted as a new entry of the closed year": "hash chain of the entries",
}


def test_an_untouched_ledger_verifies(mini_dir, db_url):
    _closed_book(mini_dir, db_url)
    code, output = _verify(db_url)
    assert code == 0, output
    assert "hash chain of the entries" in output and "FAIL" not in output


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_detects_tampering(mini_dir, db_url, case):
    _closed_book(mini_dir, db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        _drop_guards(conn)
        for sql in TAMPERING[case]:
            conn.execute(sa.text(sql))
    engine.dispose()
    code, output = _verify(db_url)
    assert code == 1, output
    failed = [line for line in output.splitlines() if "FAIL" in line]
    assert any(EXPECTED[case] in line for line in failed), output

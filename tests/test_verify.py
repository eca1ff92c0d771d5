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


def test_moving_lease_debt_between_current_and_noncurrent_fails_check_and_verify(tmp_path):
    """100,000,000 moved between 流動 and 固定 リース債務 in a closing entry: the balance sheet
    still balances, but the 返済予定額 note (from the lease schedules) no longer ties to it."""
    from .conftest import EXAMPLE

    url = f"sqlite:///{tmp_path / 'jlis.db'}"
    for args in (["load", str(EXAMPLE)], ["close", str(EXAMPLE), "--year", "2020"]):
        assert runner.invoke(app, [*args, "--db", url]).exit_code == 0
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _drop_guards(conn)
        entry = conn.execute(sa.text(
            "SELECT p.entry_no FROM posting p JOIN entry e ON e.entry_no = p.entry_no AND e.book_id = p.book_id "
            "JOIN account a ON a.id = p.account_id WHERE e.code LIKE 'CL2020-lease_reclassification-%' "
            "AND a.code = '2160' LIMIT 1")).scalar_one()
        for code, delta in (("2160", -100_000_000), ("2270", 100_000_000)):
            conn.execute(sa.text(
                "UPDATE posting SET amount = amount + :d WHERE entry_no = :e AND line_no = (SELECT MIN(p.line_no) "
                "FROM posting p JOIN account a ON a.id = p.account_id WHERE p.entry_no = :e AND a.code = :c)"),
                {"d": delta, "e": entry, "c": code})
            conn.execute(sa.text(
                "UPDATE balance SET amount = amount + :d WHERE kind = 'closing' AND fiscal_year = 2020 AND account_id = "
                "(SELECT id FROM account WHERE code = :c) AND segment_id = (SELECT segment_id FROM posting p JOIN account a "
                "ON a.id = p.account_id WHERE p.entry_no = :e AND a.code = :c LIMIT 1) AND rowid = (SELECT MIN(b.rowid) "
                "FROM balance b WHERE b.kind = 'closing' AND b.fiscal_year = 2020 AND b.account_id = balance.account_id "
                "AND b.segment_id = balance.segment_id)"), {"d": delta, "e": entry, "c": code})
    engine.dispose()
    check = runner.invoke(app, ["check", "--db", url], env={"COLUMNS": "250"})
    assert check.exit_code == 1
    assert any("FAIL" in line and "bs.lease_current" in line for line in check.output.splitlines()), check.output
    code, output = _verify(url)
    assert code == 1 and "hash chain of the entries" in output

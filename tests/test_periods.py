"""Period locks: OPEN → ADJUSTING → CLOSED, refused from every entry point, reopening recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kessan.app import load as load_dir
from kessan.cli import app
from kessan.ledger.errors import BookError, LedgerViolation
from kessan.ledger.model import Entry, Posting
from kessan.store import periods, repo
from kessan.store.audit import Event

runner = CliRunner()
LATE = Entry("L1", dt.date(2020, 8, 1), "regular", "late", (Posting("a", "111", 5, "op.jigyo"), Posting("a", "411", -5)))
TEST_EVENT = Event("pytest", "post", "a test posts entries")


def test_state_machine_and_history(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    # OPEN → CLOSED skips ADJUSTING
    assert runner.invoke(app, ["period", "close", "--year", "2020", "--db", db_url]).exit_code == 2
    assert runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", db_url]).exit_code == 0
    assert runner.invoke(app, ["period", "close", "--year", "2020", "--db", db_url]).exit_code == 0
    no_reason = runner.invoke(app, ["period", "reopen", "--year", "2020", "--db", db_url])
    assert no_reason.exit_code == 2 and "needs a reason" in no_reason.output
    ok = runner.invoke(app, ["period", "reopen", "--year", "2020", "--reason", "監査人指摘による修正", "--db", db_url])
    assert ok.exit_code == 0, ok.output
    shown = runner.invoke(app, ["period", "show", "--db", db_url], env={"COLUMNS": "160"})
    assert "2020 令和2年度: ADJUSTING" in shown.output
    assert "CLOSED → ADJUSTING  監査人指摘による修正" in shown.output
    assert [(y, a, b) for y, a, b, _, _ in periods.history(engine, "mini")] == [
        (2020, "OPEN", "ADJUSTING"), (2020, "ADJUSTING", "CLOSED"), (2020, "CLOSED", "ADJUSTING")]


def test_closed_year_refused_from_every_entry_point(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    periods.set_state(engine, "mini", 2020, "ADJUSTING", "", actor="pytest")
    periods.set_state(engine, "mini", 2020, "CLOSED", "", actor="pytest")
    # 1. the posting API
    with pytest.raises(BookError, match="CLOSED"):
        repo.post_entries(engine, "mini", [LATE], TEST_EVENT)
    # 2. the CLI: a reversing entry dated in the closed year
    result = runner.invoke(app, ["reverse", "J1", "--id", "R1", "--date", "2020-12-01", "--db", db_url])
    assert result.exit_code == 2 and "CLOSED" in result.output
    # 3. the database itself, for any other program
    with pytest.raises(sa.exc.DBAPIError, match="CLOSED"), engine.begin() as conn:
        book_id = conn.execute(sa.text("SELECT id FROM book WHERE code = 'mini'")).scalar()
        conn.execute(sa.text("INSERT INTO entry (book_id, entry_no, code, date, fiscal_year, kind, memo) "
                             "VALUES (:b, 999, 'X', '2020-08-01', 2020, 'regular', 'x')"), {"b": book_id})
    # a correction in the open following year is accepted
    repo.post_entries(engine, "mini", [LATE._replace(date=dt.date(2021, 4, 30))], TEST_EVENT)


def test_adjusting_year_accepts_only_closing_entries(mini_dir, engine):
    load_dir(engine, mini_dir)
    periods.set_state(engine, "mini", 2020, "ADJUSTING", "", actor="pytest")
    with pytest.raises(BookError, match="only closing entries"):
        repo.post_entries(engine, "mini", [LATE], TEST_EVENT)
    repo.post_entries(engine, "mini", [LATE._replace(kind="closing")], TEST_EVENT)
    with pytest.raises(sa.exc.DBAPIError, match="ADJUSTING"), engine.begin() as conn:
        book_id = conn.execute(sa.text("SELECT id FROM book WHERE code = 'mini'")).scalar()
        conn.execute(sa.text("INSERT INTO entry (book_id, entry_no, code, date, fiscal_year, kind, memo) "
                             "VALUES (:b, 998, 'Y', '2020-08-01', 2020, 'regular', 'y')"), {"b": book_id})


def test_book_file_may_declare_a_closed_year(mini_dir, db_url):
    text = (mini_dir / "book.toml").read_text(encoding="utf-8")
    closed = text.replace('label = "令和2年度"', 'label = "令和2年度"\nstate = "CLOSED"')
    (mini_dir / "book.toml").write_text(closed, encoding="utf-8")
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2
    assert "journal.csv:2 [date]" in result.output and "CLOSED" in result.output


def test_unknown_transition_is_an_error(mini_dir, engine):
    load_dir(engine, mini_dir)
    with pytest.raises(LedgerViolation, match="cannot go to CLOSED"):
        periods.set_state(engine, "mini", 2020, "CLOSED", "", actor="pytest")

"""Storage guarantees: immutable postings, reversing entries, period states, migrations."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kessan.app import BadInput, OpenBook
from kessan.app import load as load_dir
from kessan.cli import app
from kessan.ledger.errors import BookError
from kessan.ledger.model import Entry, Posting
from kessan.store import db, periods, repo
from kessan.store.audit import Event

runner = CliRunner()
TEST_EVENT = Event("pytest", "post", "a test posts entries")


def _figs(engine, code="mini", year=2020):
    return {(f.table, f.line, f.column): f.value for f in OpenBook(engine, code).figures(year)}


@pytest.mark.parametrize("sql", [
    "UPDATE posting SET amount = amount + 1",
    "DELETE FROM posting",
    "UPDATE entry SET memo = 'changed'",
    "DELETE FROM entry",
])
def test_posted_entries_cannot_be_changed(mini_dir, engine, sql):
    load_dir(engine, mini_dir)
    with pytest.raises(sa.exc.DBAPIError, match="immutable"), engine.begin() as conn:
        conn.execute(sa.text(sql))


def test_reversal_adds_an_entry_and_cancels_the_original(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    before = _figs(engine)
    result = runner.invoke(app, ["reverse", "J1", "--id", "R1", "--date", "2020-12-01", "--db", db_url])
    assert result.exit_code == 0, result.output
    after = _figs(engine)
    assert after[("損益計算書", "事業収入", "金額")] == before[("損益計算書", "事業収入", "金額")] - 300
    original = repo.fetch_entry(engine, "mini", "J1")
    reversal = repo.fetch_entry(engine, "mini", "R1")
    assert [p.amount for p in reversal.postings] == [-p.amount for p in original.postings]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT reverses FROM entry WHERE code = 'R1'")).scalar() is not None
    # reversing twice under the same id is refused
    again = runner.invoke(app, ["reverse", "J1", "--id", "R1", "--date", "2020-12-02", "--db", db_url])
    assert again.exit_code == 2


def test_posting_into_closed_year_is_refused(mini_dir, engine):
    load_dir(engine, mini_dir)
    periods.set_state(engine, "mini", 2020, "ADJUSTING", "", actor="pytest")
    periods.set_state(engine, "mini", 2020, "CLOSED", "", actor="pytest")
    entry = Entry("L1", dt.date(2020, 8, 1), "regular", "late", (
        Posting("a", "111", 5, "op.jigyo"), Posting("a", "411", -5)))
    with pytest.raises(BookError, match="CLOSED"):
        repo.post_entries(engine, "mini", [entry], TEST_EVENT)
    periods.set_state(engine, "mini", 2020, "ADJUSTING", "a correction", actor="pytest")
    with pytest.raises(BookError, match="only closing entries"):
        repo.post_entries(engine, "mini", [entry], TEST_EVENT)
    repo.post_entries(engine, "mini", [entry._replace(kind="closing")], TEST_EVENT)


@pytest.mark.parametrize("sql", [
    "UPDATE fiscal_year SET state = 'OPEN' WHERE year = 2020",
    "DELETE FROM fiscal_year WHERE year = 2021",
    "DELETE FROM period_event",
    "UPDATE period_event SET reason = 'rewritten'",
    "DELETE FROM audit_event",
    "UPDATE audit_event SET actor = 'someone else'",
])
def test_period_history_and_audit_trail_are_append_only(mini_dir, engine, sql):
    """With 令和2年度 CLOSED, the state cannot be changed behind the period history's back, and
    neither that history nor the audit trail can be rewritten."""
    load_dir(engine, mini_dir)
    periods.set_state(engine, "mini", 2020, "ADJUSTING", "", actor="pytest")
    periods.set_state(engine, "mini", 2020, "CLOSED", "", actor="pytest")
    with pytest.raises(sa.exc.DBAPIError, match=r"append-only|period event"), engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert [e[2] for e in periods.history(engine, "mini")] == ["ADJUSTING", "CLOSED"]


def test_an_entry_is_reversed_once(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    first = runner.invoke(app, ["reverse", "J1", "--id", "R1", "--date", "2020-12-01", "--db", db_url])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["reverse", "J1", "--id", "R2", "--date", "2020-12-02", "--db", db_url])
    assert again.exit_code == 2 and "already reversed by R1" in again.output
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:  # and in the database itself
        conn.execute(sa.text("INSERT INTO entry (book_id, entry_no, code, date, fiscal_year, kind, memo, reverses) "
                             "SELECT book_id, 999, 'R3', date, fiscal_year, kind, memo, reverses FROM entry WHERE code = 'R1'"))


def test_every_write_is_in_the_audit_trail(mini_dir, db_url, tmp_path):
    env = {"KESSAN_USER": "会計課 山田"}
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url], env=env).exit_code == 0
    assert runner.invoke(app, ["publish", str(mini_dir), "--db", db_url, "--out", str(tmp_path / "o"), "-f", "html"],
                         env=env).exit_code == 0
    assert runner.invoke(app, ["--user", "決算責任者", "reverse", "J1", "--id", "R1", "--date", "2020-12-01",
                               "--db", db_url]).exit_code == 0
    assert runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", db_url], env=env).exit_code == 0
    log = runner.invoke(app, ["log", "--db", db_url], env={"COLUMNS": "200"})
    assert log.exit_code == 0, log.output
    lines = log.output.splitlines()
    kinds = ("load", "post", "close", "reverse", "period", "publish")
    assert [next(k for k in kinds if f" {k} " in ln) for ln in lines[:-1]] == ["load", "publish", "reverse", "period"]
    assert "会計課 山田" in lines[0] and "決算責任者" in lines[2] and "R1 reverses J1" in lines[2] and "[entries" in lines[2]
    only = runner.invoke(app, ["log", "--db", db_url, "--actor", "決算責任者", "--kind", "reverse"])
    assert only.output.splitlines()[-1] == "1 event(s)"
    bad = runner.invoke(app, ["log", "--db", db_url, "--kind", "delete"])
    assert bad.exit_code == 2 and "unknown kind" in bad.output


def test_posting_later_entries_updates_balances(mini_dir, engine):
    load_dir(engine, mini_dir)
    before = _figs(engine)
    entry = Entry("L1", dt.date(2020, 8, 1), "regular", "追加", (Posting("b", "111", 5, "op.jigyo"), Posting("b", "411", -5)))
    repo.post_entries(engine, "mini", [entry], TEST_EVENT)
    after = _figs(engine)
    assert after[("事業別損益計算書", "事業収入", "B事業")] == before[("事業別損益計算書", "事業収入", "B事業")] + 5
    assert after[("キャッシュ・フロー計算書", "事業収入", "金額")] == before[("キャッシュ・フロー計算書", "事業収入", "金額")] + 5


def test_loading_same_book_twice_is_refused(mini_dir, engine):
    load_dir(engine, mini_dir)
    with pytest.raises(BadInput, match="already loaded"):
        load_dir(engine, mini_dir)


def test_migrations_are_idempotent_and_reversible(db_url):
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0008_users"
    engine.dispose()


def test_same_figures_from_file_and_database(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    from_db = runner.invoke(app, ["figures", "--db", db_url])
    from_dir = runner.invoke(app, ["figures", str(mini_dir)])
    assert from_db.exit_code == 0 and from_dir.exit_code == 0
    assert from_db.stdout == from_dir.stdout
    # each says which closing state it reports (the mini journal holds its own 損益振替)
    assert "closing of 2020: no closing entries are posted in" in " ".join(from_db.stderr.split())
    assert "closing of 2020: computed from the registers of" in " ".join(from_dir.stderr.split())
    assert from_db.stdout.startswith("table,line,column,value\n")

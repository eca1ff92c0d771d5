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
from kessan.store import db, repo

runner = CliRunner()


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
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE fiscal_year SET state = 'CLOSED' WHERE year = 2020"))
    entry = Entry("L1", dt.date(2020, 8, 1), "regular", "late", (
        Posting("a", "1110", 5, "op.jigyo"), Posting("a", "4160", -5)))
    with pytest.raises(BookError, match="CLOSED"):
        repo.post_entries(engine, "mini", [entry])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE fiscal_year SET state = 'ADJUSTING' WHERE year = 2020"))
    with pytest.raises(BookError, match="only closing entries"):
        repo.post_entries(engine, "mini", [entry])
    repo.post_entries(engine, "mini", [entry._replace(kind="closing")])


def test_posting_later_entries_updates_balances(mini_dir, engine):
    load_dir(engine, mini_dir)
    before = _figs(engine)
    entry = Entry("L1", dt.date(2020, 8, 1), "regular", "追加", (Posting("b", "1110", 5, "op.jigyo"), Posting("b", "4160", -5)))
    repo.post_entries(engine, "mini", [entry])
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
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    engine.dispose()


def test_same_figures_from_file_and_database(mini_dir, engine, db_url):
    load_dir(engine, mini_dir)
    from_db = runner.invoke(app, ["figures", "--db", db_url])
    from_dir = runner.invoke(app, ["figures", str(mini_dir)])
    assert from_db.exit_code == 0 and from_dir.exit_code == 0
    assert from_db.output == from_dir.output
    assert from_db.output.startswith("table,line,column,value\n")

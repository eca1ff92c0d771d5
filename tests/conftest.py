"""Test fixtures. Every database test runs on SQLite and, when KESSAN_TEST_PG_URL is set
(.ci/run sets it), on PostgreSQL too: each test gets its own schema there, dropped after.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kessan.store import db

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jlis-fy2020"
PUBLISHED = EXAMPLE / "published"
MINI = Path(__file__).resolve().parent / "books" / "mini"
PG_URL = os.environ.get("KESSAN_TEST_PG_URL")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{db.database_url(PG_URL)}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A URL of an empty database (migrated on first use by the code under test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(db.database_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(db_url):
    eng = db.make_engine(db_url)
    db.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def mini_dir(tmp_path) -> Path:
    """A writable copy of the small two-segment test book."""
    dest = tmp_path / "mini"
    shutil.copytree(MINI, dest)
    return dest


@pytest.fixture
def example_dir(tmp_path) -> Path:
    dest = tmp_path / "jlis"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("published", "derivation"))
    return dest


@pytest.fixture(scope="session")
def example_book():
    """The example book opened through the application layer, as `kessan report BOOK_DIR` does:
    loaded into an in-memory SQLite database and closed (決算整理) for 令和2年度."""
    from kessan import app

    with app.open_book(EXAMPLE) as book:
        yield book


@pytest.fixture(scope="session")
def example_statements(example_book):
    """The statements of 令和2年度 of the example book, and a connection to its database."""
    ss = example_book.statements(2020)
    with example_book.engine.connect() as conn:
        yield ss, conn


@pytest.fixture(scope="session")
def example_report(example_book):
    """The report model of 令和2年度 of the example book."""
    return example_book.report(2020)

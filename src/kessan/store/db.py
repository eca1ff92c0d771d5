"""Database connection: SQLite file by default, PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

DEFAULT_URL = "sqlite:///kessan.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(url: str | None = None) -> str:
    """--db wins, then KESSAN_DATABASE_URL, then a SQLite file in the working directory."""
    url = url or os.environ.get("KESSAN_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


BUSY_TIMEOUT = 5.0  # seconds a command waits for another process's lock before it reports busy


def make_engine(url: str | None = None) -> sa.Engine:
    url = database_url(url)
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        # how long to wait for a lock held by another process (KESSAN_BUSY_TIMEOUT seconds)
        setting = os.environ.get("KESSAN_BUSY_TIMEOUT", str(BUSY_TIMEOUT))
        try:
            timeout = float(setting)
        except ValueError:
            raise ValueError(f"KESSAN_BUSY_TIMEOUT={setting!r}: not a number of seconds") from None
        engine = sa.create_engine(url, connect_args={"timeout": timeout})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url)


def memory_engine() -> sa.Engine:
    """An in-memory SQLite database shared by every connection of the engine (one process)."""
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # SQLite leaves them off by default
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-200000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


MIGRATION_LOCK = 0x6B657373616E  # "kessan": the PostgreSQL advisory lock key of a migration


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (idempotent, and safe when several commands
    start on a new database at once: one migrates while the others wait, then find it done)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # take the write lock before reading the schema version: a second command waits
            # here (busy timeout) instead of racing to create the same tables and triggers
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def head_revision() -> str:
    """The newest migration's revision id."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None  # the package ships its migrations
    return head


def stored_revision(engine: sa.Engine) -> str | None:
    """The migration a database is at, read without writing; None for a database kessan
    never migrated (no version table)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        version: str | None = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        return version


def exists(url: str | None) -> bool:
    """Whether the database at ``url`` may hold anything: a SQLite file that is there, or any
    server database (asked without creating a SQLite file)."""
    parsed = sa.engine.make_url(database_url(url))
    if parsed.get_backend_name() != "sqlite":
        return True
    name = parsed.database
    return name is not None and name not in ("", ":memory:") and Path(name).is_file()

"""Users of the web application (kessan.app.users, migration 0008_users), on SQLite and
PostgreSQL: argon2 hashes only, roles by id or Japanese name, located refusals, disabled
users, an append-only history; `kessan user` on the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kessan import app
from kessan.cli import app as cli
from kessan.store import db

PASSWORD = "a long enough password"


def test_a_user_is_stored_with_an_argon2_hash_only(engine):
    user = app.users.add_user(engine, "kaikei", "会計担当", PASSWORD, actor="kanri")
    assert (user.name, user.role, user.role_name, user.created_by, user.disabled) == ("kaikei", "clerk", "会計担当", "kanri",
                                                                                      False)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM app_user WHERE name = 'kaikei'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert app.users.authenticate(engine, "kaikei", PASSWORD) == user
    assert app.users.authenticate(engine, "kaikei", PASSWORD + "x") is None
    assert app.users.authenticate(engine, "nobody", PASSWORD) is None


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("kaikei", "boss", PASSWORD, "unknown role 'boss'"),
    ("two words", "clerk", PASSWORD, "without spaces"),
    ("", "clerk", PASSWORD, "1 to 64 characters"),
    ("kaikei", "clerk", "short", "at least 8"),
])
def test_bad_users_are_refused(engine, name, role, password, message):
    with pytest.raises(app.BadInput, match=message):
        app.users.add_user(engine, name, role, password, actor="kanri")
    assert app.users.users(engine) == []


def test_a_name_is_taken_once(engine):
    app.users.add_user(engine, "kaikei", "clerk", PASSWORD, actor="kanri")
    with pytest.raises(app.Refused, match="exists already"):
        app.users.add_user(engine, "kaikei", "viewer", PASSWORD, actor="kanri")


def test_disabled_users_cannot_log_in_and_admins_keep_their_own_role(engine):
    app.users.add_user(engine, "kanri", "admin", PASSWORD, actor="setup")
    app.users.add_user(engine, "kaikei", "clerk", PASSWORD, actor="kanri")
    app.users.set_disabled(engine, "kaikei", True, actor="kanri")
    assert app.users.authenticate(engine, "kaikei", PASSWORD) is None
    app.users.set_disabled(engine, "kaikei", False, actor="kanri")
    assert app.users.authenticate(engine, "kaikei", PASSWORD) is not None
    with pytest.raises(app.Refused):
        app.users.set_disabled(engine, "kanri", True, actor="kanri")
    with pytest.raises(app.Refused):
        app.users.set_role(engine, "kanri", "viewer", actor="kanri")
    with pytest.raises(app.NotFound):
        app.users.set_role(engine, "nobody", "viewer", actor="kanri")
    actions = [(e.actor, e.user_name, e.action) for e in app.users.user_events(engine)]
    assert actions[:3] == [("kanri", "kaikei", "enabled"), ("kanri", "kaikei", "disabled"), ("kanri", "kaikei", "create")]


def test_the_user_history_is_append_only(engine):
    app.users.add_user(engine, "kaikei", "clerk", PASSWORD, actor="kanri")
    for sql in ("UPDATE user_event SET actor = 'someone else'", "DELETE FROM user_event"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(sql))


def test_migration_0008_users_goes_down_and_up_again(db_url):
    from alembic import command
    from alembic.config import Config

    engine = db.make_engine(db_url)
    db.upgrade(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert not {"app_user", "user_event"} & set(sa.inspect(engine).get_table_names())
    db.upgrade(engine)
    assert {"app_user", "user_event"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_kessan_user_on_the_command_line(db_url, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("KESSAN_PASSWORD", PASSWORD)
    r = runner.invoke(cli, ["--user", "kanri", "user", "add", "shonin", "--role", "承認者", "--db", db_url])
    assert r.exit_code == 0 and "approver (承認者)" in r.output
    r = runner.invoke(cli, ["user", "list", "--db", db_url])
    assert r.exit_code == 0 and "shonin" in r.output and "by kanri" in r.output
    r = runner.invoke(cli, ["user", "add", "x", "--role", "nobody", "--db", db_url])
    assert r.exit_code == 2 and "unknown role" in r.output
    monkeypatch.setenv("KESSAN_PASSWORD", "short")
    r = runner.invoke(cli, ["user", "add", "y", "--role", "viewer", "--db", db_url])
    assert r.exit_code == 2 and "at least 8" in r.output
    r = runner.invoke(cli, ["user", "disable", "shonin", "--db", db_url])
    assert r.exit_code == 0 and "disabled" in r.output


def test_kessan_serve_needs_a_database_for_a_book_directory(monkeypatch):
    monkeypatch.delenv("KESSAN_DATABASE_URL", raising=False)
    r = CliRunner().invoke(cli, ["serve", "examples/jlis-fy2020", "--port", "1"])
    assert r.exit_code == 2 and "--db" in r.output

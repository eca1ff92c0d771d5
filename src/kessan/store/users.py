"""Users of the web application, in SQL. Passwords arrive here already hashed (app/users.py
hashes them with argon2); every change writes its ``user_event`` in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import sqlalchemy as sa

from . import schema as s


class StoredUser(NamedTuple):
    name: str
    role: str
    password_hash: str
    created_by: str
    created_at: dt.datetime
    disabled: bool


class UserEvent(NamedTuple):
    at: dt.datetime
    actor: str
    user_name: str
    action: str
    detail: str


def _columns() -> tuple[sa.ColumnElement[Any], ...]:
    t = s.app_user
    return (t.c.name, t.c.role, t.c.password_hash, t.c.created_by, t.c.created_at, t.c.disabled)


def get(conn: sa.Connection, name: str) -> StoredUser | None:
    row = conn.execute(sa.select(*_columns()).where(s.app_user.c.name == name)).first()
    return StoredUser(*row) if row else None


def all_users(conn: sa.Connection) -> list[StoredUser]:
    return [StoredUser(*r) for r in conn.execute(sa.select(*_columns()).order_by(s.app_user.c.name))]


def record(conn: sa.Connection, actor: str, user_name: str, action: str, detail: str) -> None:
    conn.execute(s.user_event.insert().values(at=dt.datetime.now(dt.UTC), actor=actor, user_name=user_name,
                                              action=action, detail=detail))


def insert(conn: sa.Connection, name: str, role: str, password_hash: str, actor: str) -> None:
    conn.execute(s.app_user.insert().values(name=name, role=role, password_hash=password_hash, created_by=actor,
                                            created_at=dt.datetime.now(dt.UTC), disabled=False))
    record(conn, actor, name, "create", f"created user {name!r} with role {role}")


def update(conn: sa.Connection, name: str, actor: str, action: str, detail: str, **values: object) -> bool:
    """Change the user's columns ``values``; False when there is no such user."""
    done = conn.execute(s.app_user.update().where(s.app_user.c.name == name).values(**values)).rowcount
    if done:
        record(conn, actor, name, action, detail)
    return bool(done)


def events(conn: sa.Connection, limit: int = 500) -> list[UserEvent]:
    """The newest ``limit`` user events, newest first."""
    t = s.user_event
    q = sa.select(t.c.at, t.c.actor, t.c.user_name, t.c.action, t.c.detail).order_by(t.c.id.desc()).limit(limit)
    return [UserEvent(*r) for r in conn.execute(q)]

"""Users of the web application and their roles (issue 12). A role is a word of the
application (English id); its Japanese name is what the pages and the CLI show. Passwords are
hashed with argon2id (argon2-cffi) and never stored or logged; a disabled user cannot log in.

Users are database-wide (one 会計課 may keep several books in a database), so their history is
``user_event`` (append-only), not the audit trail of one book."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..ledger.errors import InputError
from ..store import users as store
from .errors import BadInput, NotFound, Refused, translated

# role id -> its name as the 会計課 says it
ROLES: dict[str, str] = {
    "clerk": "会計担当",       # enters and imports draft entries
    "approver": "承認者",      # approves or rejects drafts (never their own); approval posts
    "closer": "決算責任者",    # closing dry run and post, period states, publish
    "auditor": "監事・監査",   # reads everything, the audit trail and verify; writes nothing
    "viewer": "閲覧",          # the published statements only
    "admin": "管理者",         # users and roles
}
MIN_PASSWORD = 8
NAME_CHARS = 64
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# verified against when the user does not exist, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("kessan: no such user")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_by: str
    created_at: dt.datetime
    disabled: bool

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


def role_id(role: str) -> str:
    """A role given as its id (clerk) or its name (会計担当)."""
    if role in ROLES:
        return role
    for key, name in ROLES.items():
        if role == name:
            return key
    raise BadInput(f"unknown role {role!r}; choose one of: " + ", ".join(f"{k} ({v})" for k, v in ROLES.items()))


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_CHARS or any(c.isspace() or ord(c) < 32 for c in name):
        raise BadInput(f"user name {name!r}: 1 to {NAME_CHARS} characters without spaces",
                       [InputError("user", None, "name", "invalid user name")])
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"the password must have at least {MIN_PASSWORD} characters",
                       [InputError("user", None, "password", "too short")])


def _user(stored: store.StoredUser) -> User:
    return User(stored.name, stored.role, stored.created_by, stored.created_at, bool(stored.disabled))


def add_user(engine: sa.Engine, name: str, role: str, password: str, *, actor: str) -> User:
    """Create a user; a name already taken is refused."""
    name, role = _check_name(name), role_id(role)
    _check_password(password)
    with translated(f"adding user {name!r}"), engine.begin() as conn:
        if store.get(conn, name) is not None:
            raise Refused(f"user {name!r} exists already")
        store.insert(conn, name, role, _hasher.hash(password), actor)
        found = store.get(conn, name)
    assert found is not None  # inserted in this transaction
    return _user(found)


def users(engine: sa.Engine) -> list[User]:
    with translated("reading the users"), engine.connect() as conn:
        return [_user(u) for u in store.all_users(conn)]


def get_user(engine: sa.Engine, name: str) -> User:
    with translated("reading the user"), engine.connect() as conn:
        found = store.get(conn, name)
    if found is None:
        raise NotFound(f"no user {name!r}")
    return _user(found)


def _change(engine: sa.Engine, name: str, actor: str, action: str, detail: str, **values: object) -> User:
    with translated(f"changing user {name!r}"), engine.begin() as conn:
        if not store.update(conn, name, actor, action, detail, **values):
            raise NotFound(f"no user {name!r}")
    return get_user(engine, name)


def set_role(engine: sa.Engine, name: str, role: str, *, actor: str) -> User:
    role = role_id(role)
    if name == actor and role != "admin":
        raise Refused("a 管理者 cannot take their own role away (another 管理者 must)")
    return _change(engine, name, actor, "role", f"role of {name!r} set to {role}", role=role)


def set_disabled(engine: sa.Engine, name: str, disabled: bool, *, actor: str) -> User:
    if name == actor and disabled:
        raise Refused("a 管理者 cannot disable themselves")
    word = "disabled" if disabled else "enabled"
    return _change(engine, name, actor, word, f"user {name!r} {word}", disabled=disabled)


def set_password(engine: sa.Engine, name: str, password: str, *, actor: str) -> User:
    _check_password(password)
    return _change(engine, name, actor, "password", f"password of {name!r} changed", password_hash=_hasher.hash(password))


def authenticate(engine: sa.Engine, name: str, password: str) -> User | None:
    """The user when the name and password match and the user is not disabled, else None
    (the caller says only "wrong name or password": which of the two is not told)."""
    with translated("logging in"), engine.connect() as conn:
        found = store.get(conn, name)
    try:
        _hasher.verify(found.password_hash if found else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None or found.disabled:
        return None
    return _user(found)


def record_session(engine: sa.Engine, name: str, action: str, detail: str = "") -> None:
    """A login, a refused login or a logout, in the user history (actor: the user named)."""
    with translated("recording the session"), engine.begin() as conn:
        store.record(conn, name, name[:NAME_CHARS], action, detail or action)


def user_events(engine: sa.Engine, limit: int = 500) -> list[store.UserEvent]:
    with translated("reading the user history"), engine.connect() as conn:
        return store.events(conn, limit)

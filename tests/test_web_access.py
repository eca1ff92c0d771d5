"""The role x route x method matrix (kessan.web.access) is what the web app enforces: every
registered route, for every role and for no login, is allowed or refused exactly as the
matrix says; a POST without the session's CSRF token is refused; logins are throttled;
sessions end at logout; cookies are HttpOnly and SameSite."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from starlette.routing import Mount

from kessan import app
from kessan.store import db
from kessan.web import access, create_app

from .conftest import BACKENDS, MINI, PG_URL, _pg_schema_url
from .web_support import PASSWORD, USERS, add_users, client, csrf_of, log_in

# values for the path parameters of the routes, and the query parameters some require
PATH_VALUES = {"table_id": "bs", "entry_id": "no-such-entry", "draft_id": "999999", "year": "2020", "name": "nobody"}
QUERY = "?figure=x%7Cy%7Cz&table_id=no-such-table"


@pytest.fixture
def served(db_url, tmp_path):
    with app.open_book(MINI, url=db_url, actor="test-setup") as book:
        add_users(book.engine)
        yield book, tmp_path / "out"


@pytest.fixture(scope="module", params=BACKENDS)
def shared(request, tmp_path_factory):
    """One served book per backend for the walk (what an allowed request writes does not change
    whether the next one is allowed)."""
    folder = tmp_path_factory.mktemp("walk")
    if request.param == "sqlite":
        url, drop = f"sqlite:///{folder / 'walk.db'}", None
    else:
        schema = "t_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(db.database_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url, drop = _pg_schema_url(schema), (admin, schema)
    try:
        with app.open_book(MINI, url=url, actor="test-setup") as book:
            add_users(book.engine)
            yield book, folder / "out"
    finally:
        if drop:
            with drop[0].connect() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {drop[1]} CASCADE"))
            drop[0].dispose()


def _flat(routes) -> list:
    """Every route, those of included routers too (FastAPI keeps an included router whole)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [route]
    return out


def _routes(web) -> list[tuple[str, str, str]]:
    """(method, route path, a URL to request) of every registered route."""
    found = []
    for route in _flat(web.routes):
        if isinstance(route, Mount):
            found.append(("GET", route.path, route.path + "/kessan.css"))
            continue
        url = route.path
        for key, value in PATH_VALUES.items():
            url = url.replace("{" + key + "}", value)
        found += [(m, route.path, url + QUERY) for m in sorted(route.methods) if m != "HEAD"]
    return found


def test_every_route_has_its_roles_in_the_matrix(served):
    web = create_app(*served)
    routes = {(m, p) for m, p, _ in _routes(web)}
    assert len(routes) >= len(access.MATRIX)
    assert routes - set(access.MATRIX) - access.PUBLIC == set(), "routes missing from the matrix"
    assert set(access.MATRIX) - routes == set(), "matrix rows of no route"


def _refused(method: str, status: int, location: str, logged_in: bool) -> bool:
    if not logged_in:
        return (status == 303 and location.startswith("/login")) if method == "GET" else status == 401
    return status == 403


@pytest.mark.parametrize("role", [None, *access.ROLES])
def test_each_route_allows_exactly_the_roles_of_the_matrix(shared, role):
    c = client(*shared)
    routes = _routes(c.app)
    if role is not None:
        assert log_in(c, USERS[role]).status_code == 303
    token = csrf_of(c.get(access.HOME[role]).text) if role else ""
    wrong = []
    # logout last: it ends the session the other requests need
    for method, path, url in sorted(routes, key=lambda r: r[1] == "/logout"):
        if (method, path) in access.PUBLIC:
            continue
        r = c.request(method, url, data={"csrf": token} if method == "POST" else None)
        location = r.headers.get("location", "")
        expected = access.allowed(role, method, path)
        refused = _refused(method, r.status_code, location, role is not None)
        if expected == refused or r.status_code >= 500:
            wrong.append(f"{method} {path}: {r.status_code} {location} (allowed: {expected})")
    assert wrong == [], f"role {role}:\n" + "\n".join(wrong)


def test_public_routes_need_no_login(served):
    c = client(*served)
    assert c.get("/login").status_code == 200
    assert c.get("/static/htmx.min.js").status_code == 200
    assert c.get("/dashboard").headers["location"].startswith("/login")


def test_a_post_without_the_sessions_csrf_token_is_refused(served):
    c = client(*served)
    log_in(c, USERS["closer"])
    r = c.post("/periods/2020", data={"action": "adjust", "reason": "x"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/periods/2020", data={"action": "adjust", "reason": "x", "csrf": "forged"})
    assert r.status_code == 403
    assert served[0].book.fiscal_year(2020).state == "OPEN"  # nothing changed
    token = csrf_of(c.get("/periods").text)
    assert c.post("/periods/2020", data={"action": "adjust", "reason": "x", "csrf": token}).status_code == 200


def test_a_login_form_without_its_token_is_refused(served):
    c = client(*served)
    c.get("/login")
    r = c.post("/login", data={"name": USERS["clerk"], "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "kessan_session" not in r.headers.get("set-cookie", "")


def test_session_cookie_is_httponly_and_samesite_and_ends_at_logout(served):
    c = client(*served)
    r = log_in(c, USERS["auditor"])
    cookie = r.headers["set-cookie"].lower()
    assert "kessan_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in the test: Secure only over https
    token = csrf_of(c.get("/dashboard").text)
    assert c.post("/logout", data={"csrf": token}).status_code == 303
    assert c.get("/dashboard").headers["location"].startswith("/login")
    kinds = [e.action for e in app.users.user_events(served[0].engine) if e.user_name == USERS["auditor"]]
    assert kinds[:2] == ["logout", "login"]  # newest first


def test_the_cookie_is_secure_over_https(served):
    web = create_app(*served)
    from fastapi.testclient import TestClient
    c = TestClient(web, base_url="https://testserver", follow_redirects=False)
    cookie = log_in(c, USERS["viewer"]).headers["set-cookie"].lower()
    assert "secure" in cookie


def test_logins_are_throttled_after_repeated_failures(served):
    c = client(*served)
    for _ in range(5):
        assert log_in(c, USERS["clerk"], "wrong password").status_code == 401
    r = log_in(c, USERS["clerk"])  # the right password, but too soon
    assert r.status_code == 429 and "try again" in r.text
    actions = [e.action for e in app.users.user_events(served[0].engine) if e.user_name == USERS["clerk"]]
    assert actions.count("login_failed") == 5 and actions[0] == "throttled"


def test_a_disabled_user_cannot_log_in_and_is_logged_out(served):
    from fastapi.testclient import TestClient

    web = create_app(*served)  # one server, two browsers
    admin, clerk = (TestClient(web, follow_redirects=False) for _ in range(2))
    book = served[0]
    log_in(admin, USERS["admin"])
    assert log_in(clerk, USERS["clerk"]).status_code == 303
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post(f"/admin/users/{USERS['clerk']}", data={"action": "disable", "csrf": token})
    assert r.status_code == 200
    assert clerk.get("/dashboard").headers["location"].startswith("/login")
    assert log_in(clerk, USERS["clerk"]).status_code == 401
    events = app.users.user_events(book.engine)
    assert (events[0].actor, events[0].action) == (USERS["admin"], "disabled") or any(
        e.actor == USERS["admin"] and e.action == "disabled" for e in events)


def test_the_admin_adds_a_user_who_can_log_in(served):
    book, out = served
    admin = client(book, out)
    log_in(admin, USERS["admin"])
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post("/admin/users", data={"name": "new-approver", "role": "approver", "password": "short", "csrf": token})
    assert r.status_code == 400 and "at least 8" in r.text
    r = admin.post("/admin/users", data={"name": "new-approver", "role": "approver", "password": PASSWORD, "csrf": token})
    assert r.status_code == 200
    created = app.users.get_user(book.engine, "new-approver")
    assert (created.role, created.created_by) == ("approver", USERS["admin"])
    assert log_in(client(book, out), "new-approver").headers["location"] == access.HOME["approver"]


def test_a_user_disabled_or_given_another_role_elsewhere_is_logged_out(served):
    book, out = served
    web = create_app(book, out)
    from fastapi.testclient import TestClient

    clerk, auditor = (TestClient(web, follow_redirects=False) for _ in range(2))
    log_in(clerk, USERS["clerk"])
    log_in(auditor, USERS["auditor"])
    assert clerk.get("/dashboard").status_code == 200 and auditor.get("/dashboard").status_code == 200
    app.users.set_disabled(book.engine, USERS["clerk"], True, actor="kanri")  # as `kessan user disable` does
    app.users.set_role(book.engine, USERS["auditor"], "viewer", actor="kanri")
    assert clerk.get("/dashboard").headers["location"].startswith("/login")
    assert auditor.get("/dashboard").headers["location"].startswith("/login")
    assert log_in(auditor, USERS["auditor"]).headers["location"] == access.HOME["viewer"]

"""Shared by the web tests: a database holding a book, one user per role, a test client that
logs in through the login form (as a browser does)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from kessan import app
from kessan.web import access, create_app

PASSWORD = "correct horse battery"
USERS = {role: f"{role}1" for role in access.ROLES}  # clerk -> clerk1, …


def add_users(engine, users: dict[str, str] = USERS) -> None:
    for role, name in users.items():
        app.users.add_user(engine, name, role, PASSWORD, actor="test-setup")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def client(book: app.OpenBook, out_dir: Path) -> TestClient:
    return TestClient(create_app(book, out_dir), raise_server_exceptions=False, follow_redirects=False)


def log_in(c: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"name": name, "password": password, "csrf": token})


def session_csrf(c: TestClient) -> str:
    """The CSRF token of the logged-in session (from the logout form every page has)."""
    return csrf_of(c.get("/").text if c.get("/").status_code == 200 else c.get(c.get("/").headers["location"]).text)

"""What every page handler shares: the opened book, the sessions, the templates, and the
helpers that render a page for the logged-in user."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from .. import app as kessan
from ..ledger.model import CheckResult
from ..render.format import amount, yen
from ..report.model import FigureId
from . import access
from .sessions import Session, Sessions, Throttle

SESSION_COOKIE = "kessan_session"
LOGIN_CSRF_COOKIE = "kessan_login_csrf"
PER_PAGE = 50


@dataclass
class Verified:
    at: str
    results: list[CheckResult]


@dataclass
class WebState:
    book: kessan.OpenBook
    out_dir: Path  # where 決算責任者 publish the package, and downloads come from
    sessions: Sessions = field(default_factory=Sessions)
    throttle: Throttle = field(default_factory=Throttle)
    # writes are serialised: the book's actor is set to the logged-in user for the duration of one write
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    last_verify: Verified | None = None
    # the checks of a year, kept while the book's report of that year is the same object (the
    # book rebuilds it after any write it makes): on a large book they take seconds
    _checks: dict[int, tuple[object, list[CheckResult]]] = field(default_factory=dict)
    _checks_lock: threading.Lock = field(default_factory=threading.Lock)

    def checks(self, year: int) -> list[CheckResult]:
        with self._checks_lock:
            report = self.book.report(year)
            kept = self._checks.get(year)
            if kept is None or kept[0] is not report:
                kept = (report, self.book.checks(year))
                self._checks[year] = kept
            return kept[1]

    @contextmanager
    def acting(self, user: str) -> Iterator[kessan.OpenBook]:
        """The book, writing as ``user`` (every write it does is recorded with that actor)."""
        with self.write_lock:
            before = self.book.actor
            self.book.actor = user
            try:
                yield self.book
            finally:
                self.book.actor = before


def state(request: Request) -> WebState:
    found: WebState = request.app.state.web
    return found


def session(request: Request) -> Session:
    """The logged-in session (the guard has put it there before any handler runs)."""
    found: Session = request.state.session
    return found


def secure(request: Request) -> bool:
    """Came the request over https (directly, or through a proxy uvicorn trusts)? Then cookies are Secure."""
    return request.url.scheme == "https"


def local_path(path: str) -> str:
    """A path of this site to go to after logging in (never another site: //host, https:...)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def drill_url(figure: FigureId | str) -> str:
    """The drill-down page of a figure (its key as kessan.app.figure_key writes it)."""
    key = figure if isinstance(figure, str) else kessan.figure_key(figure)
    return "/drill?figure=" + quote(key, safe="")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("kessan.web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["amount"] = amount
    env.filters["yen"] = yen
    env.globals["drill_url"] = drill_url
    env.globals["role_names"] = kessan.users.ROLES
    return env


TEMPLATES = _environment()

NAV = (  # (path, label): shown to the roles the matrix lets open it
    ("/dashboard", "ダッシュボード"), ("/statements", "財務諸表"), ("/budget", "予算と実績"), ("/trend", "推移"),
    ("/search", "仕訳検索"), ("/drafts/new", "仕訳入力"), ("/drafts/import", "仕訳取込"), ("/approvals", "承認"),
    ("/closing", "決算整理"), ("/periods", "期間"), ("/audit", "監査ログ"), ("/verify", "検証"),
    ("/published", "公表財務諸表"), ("/admin/users", "利用者"),
)


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    current: Session | None = getattr(request.state, "session", None)
    role = current.role if current else None

    def can(method: str, path: str) -> bool:
        return access.allowed(role, method, path)

    web = state(request)
    html = TEMPLATES.get_template(template).render(
        request=request, session=current, can=can, csrf=current.csrf if current else "",
        nav=[(p, label) for p, label in NAV if can("GET", p)], entity=web.book.book.name, **values)
    return HTMLResponse(html, status_code=status)

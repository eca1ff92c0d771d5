"""The web application (FastAPI): the books for the 会計課, approvers, 監事 and the board.

Every request passes ``guard`` first: the role x route x method matrix (web/access.py)
decides, and every POST must carry the session's CSRF token. AppErrors become pages that say
what went wrong (400 bad input with its located problems, 404, 409 refused, 503 busy); any
other failure a plain 500 page: never a traceback."""

from __future__ import annotations

import hmac
import logging
import time
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import app as kessan
from . import access, actions, pages
from .context import LOGIN_CSRF_COOKIE, SESSION_COOKIE, WebState, render, state
from .sessions import Session

log = logging.getLogger("kessan.web")

STATUS = {kessan.BadInput: 400, kessan.NotFound: 404, kessan.Refused: 409, kessan.Busy: 503, kessan.Unavailable: 503}


class NeedLogin(Exception):
    """No session: a page sends the browser to the login form; a POST is refused."""


class Forbidden(Exception):
    """The matrix does not let this role do this, or the CSRF token is missing or wrong."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", request.url.path)


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    return bool(sent) and hmac.compare_digest(sent or "", expected)


def _still_valid(web: WebState, current: Session) -> bool:
    """Is the session's user still there, enabled, with the same role? A user disabled or given
    another role (on the 管理者 page or with `kessan user`) is logged out at their next request."""
    try:
        user = kessan.users.get_user(web.book.engine, current.user)
    except kessan.NotFound:
        return False
    return not user.disabled and user.role == current.role


async def guard(request: Request) -> None:
    """The matrix, the session and the CSRF token, checked before any handler runs."""
    method, path = request.method, _route_path(request)
    if (("GET" if method == "HEAD" else method), path) in access.PUBLIC:
        if method == "POST" and not await _csrf_ok(request, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
            raise Forbidden("the form has expired (CSRF token missing or wrong): reload the page and try again")
        return
    web = state(request)
    current = web.sessions.get(request.cookies.get(SESSION_COOKIE))
    if current is None:
        raise NeedLogin
    if not await run_in_threadpool(_still_valid, web, current):
        web.sessions.end(current.id)
        raise NeedLogin
    request.state.session = current
    if not access.allowed(current.role, method, path):
        raise Forbidden(f"the role {kessan.users.ROLES.get(current.role, current.role)} may not {method} {path}")
    if method == "POST" and not await _csrf_ok(request, current.csrf):
        raise Forbidden("the form has expired (CSRF token missing or wrong): reload the page and try again")


def create_app(book: kessan.OpenBook, out_dir: Path) -> FastAPI:
    """The web application over an opened book; packages are published into ``out_dir``."""
    web = FastAPI(title="kessan", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(guard)])
    web.state.web = WebState(book=book, out_dir=out_dir)
    web.include_router(pages.router)
    web.include_router(actions.router)
    web.mount("/static", StaticFiles(packages=[("kessan.web", "static")]), name="static")

    @web.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response: Response = await call_next(request)
        # the server's own time for the request (bench/web.py reads it; browsers show it in their tools)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                    "form-action 'self'; frame-ancestors 'none'")
        return response

    @web.exception_handler(NeedLogin)
    async def need_login(request: Request, _exc: NeedLogin) -> Response:
        if request.method in ("GET", "HEAD") and not request.headers.get("hx-request"):
            return RedirectResponse("/login?next=" + request.url.path, status_code=303)
        return PlainTextResponse("log in first", status_code=401)

    @web.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html.j2", status=403, title="許可されていません", message=exc.reason, problems=[])

    @web.exception_handler(kessan.AppError)
    async def app_error(request: Request, exc: kessan.AppError) -> Response:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        return render(request, "error.html.j2", status=status, title="できませんでした", message=exc.message,
                      problems=[str(p) for p in exc.problems])

    @web.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        return render(request, "error.html.j2", status=400, title="入力が正しくありません", message="the request is invalid",
                      problems=problems)

    @web.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return HTMLResponse(f"<!DOCTYPE html><title>{exc.status_code}</title><p>{exc.status_code}</p>",
                            status_code=exc.status_code)

    @web.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return HTMLResponse("<!DOCTYPE html><html lang='ja'><title>internal error</title>"
                            "<p>internal error: nothing more was written. The server log has the details.</p></html>",
                            status_code=500)

    return web

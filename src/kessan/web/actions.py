"""The actions (POST): each one calls the application layer as the logged-in user, so the
audit trail records who did it. The guard has checked the role and the CSRF token first."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePath

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import app as kessan
from . import access
from .context import LOGIN_CSRF_COOKIE, SESSION_COOKIE, local_path, render, secure, session, state
from .pages import MAX_LINES, draft_from, entry_form

router = APIRouter()


def _done(request: Request, message: str, back: str, status: int = 200) -> Response:
    return render(request, "done.html.j2", status=status, title="完了", message=message, back=back)


def _login_again(request: Request, next: str, status: int, error: str) -> Response:
    """The login form again, saying why (its CSRF cookie stays as it was)."""
    return render(request, "login.html.j2", status=status, title="ログイン",
                  login_csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""), next=local_path(next), error=error)


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    web = state(request)
    address = request.client.host if request.client else "?"
    keys = (f"name:{name}", f"address:{address}")
    if (wait := web.throttle.blocked(*keys)) > 0:
        kessan.users.record_session(web.book.engine, name or "?", "throttled", f"login refused for {wait:.0f} s from {address}")
        return _login_again(request, next, 429, f"too many failed logins: try again in {wait:.0f} seconds")
    user = kessan.users.authenticate(web.book.engine, name, password)
    if user is None:
        web.throttle.failed(*keys)
        kessan.users.record_session(web.book.engine, name or "?", "login_failed", f"wrong name or password from {address}")
        return _login_again(request, next, 401, "wrong name or password")
    web.throttle.succeeded(*keys)
    started = web.sessions.start(user.name, user.role)
    kessan.users.record_session(web.book.engine, user.name, "login", f"logged in from {address} as {user.role}")
    target = local_path(next)
    response = RedirectResponse(target if target != "/" else access.HOME[user.role], status_code=303)
    response.set_cookie(SESSION_COOKIE, started.id, httponly=True, samesite="lax", secure=secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    web, current = state(request), session(request)
    web.sessions.end(current.id)
    kessan.users.record_session(web.book.engine, current.user, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/drafts")
async def submit_draft(request: Request) -> Response:
    values = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf"}
    lines = max([int(k.rsplit("_", 1)[1]) + 1 for k in values if k.rsplit("_", 1)[-1].isdigit()] + [6])
    try:
        draft_id = await run_in_threadpool(state(request).book.submit_draft, draft_from(values),
                                           actor=session(request).user)
    except kessan.BadInput as exc:  # the form again, as it was filled in, with every problem named
        return entry_form(request, min(lines, MAX_LINES), values, status=400, message=exc.message,
                          problems=tuple(str(p) for p in exc.problems))
    return _done(request, f"draft {draft_id} submitted for approval", "/drafts/new")


@router.post("/drafts/import")
async def import_drafts(request: Request, file: UploadFile | None = None) -> Response:
    if file is None or not file.filename:
        raise kessan.BadInput("choose a journal file (CSV in the loader's format) to import")
    raw = await file.read()
    # the loader reads files: the upload goes into a private folder under its own name (without
    # any folder part), so the located errors name the file the user chose
    name = PurePath(file.filename.replace("\\", "/")).name or "journal.csv"
    with tempfile.TemporaryDirectory(prefix="kessan-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        ids = await run_in_threadpool(state(request).book.import_drafts, path, actor=session(request).user)
    return render(request, "import.html.j2", title="仕訳取込", imported=ids)


@router.post("/approvals/{draft_id}/approve")
def approve(request: Request, draft_id: int) -> Response:
    entry_id = state(request).book.approve(draft_id, actor=session(request).user)
    return _done(request, f"draft {draft_id} approved and posted as entry {entry_id}", "/approvals")


@router.post("/approvals/{draft_id}/reject")
def reject(request: Request, draft_id: int, reason: str = Form("")) -> Response:
    if not reason.strip():
        raise kessan.BadInput("say why the draft is rejected (reason)")
    state(request).book.reject(draft_id, actor=session(request).user, reason=reason.strip())
    return _done(request, f"draft {draft_id} rejected", "/approvals")


@router.post("/closing")
def post_closing(request: Request, year: int = Form(0)) -> Response:
    web = state(request)
    with web.acting(session(request).user) as book:
        done = book.close(year or None)
    return _done(request, f"posted {done.posted} closing entries, {done.reversed} reversals of an earlier run", "/closing")


@router.post("/periods/{year}")
def period(request: Request, year: int, action: str = Form(""), reason: str = Form("")) -> Response:
    web = state(request)
    with web.acting(session(request).user) as book:
        change = book.set_period(year, action, reason.strip())
    return _done(request, f"fiscal year {change.year}: {change.before} → {change.after}", "/periods")


@router.post("/publish")
def publish(request: Request, year: int = Form(0)) -> Response:
    web = state(request)
    with web.acting(session(request).user) as book:
        written = book.publish(web.out_dir, year=year or None)
    return _done(request, "published: " + ", ".join(p.name for p in written), "/published")


@router.post("/admin/users")
def add_user(request: Request, name: str = Form(""), role: str = Form(""), password: str = Form("")) -> Response:
    done = kessan.users.add_user(state(request).book.engine, name, role, password, actor=session(request).user)
    return _done(request, f"user {done.name} added as {done.role_name}", "/admin/users")


@router.post("/admin/users/{name}")
def change_user(request: Request, name: str, action: str = Form(""), role: str = Form(""),
                password: str = Form("")) -> Response:
    web, actor = state(request), session(request).user
    engine = web.book.engine
    if action == "role":
        done = kessan.users.set_role(engine, name, role, actor=actor)
    elif action in ("disable", "enable"):
        done = kessan.users.set_disabled(engine, name, action == "disable", actor=actor)
    elif action == "password":
        done = kessan.users.set_password(engine, name, password, actor=actor)
    else:
        raise kessan.BadInput(f"unknown action {action!r} (role, disable, enable, password)")
    web.sessions.end_user(name)  # a changed user logs in again, with the new role or password
    return _done(request, f"user {done.name}: {done.role_name}{' (disabled)' if done.disabled else ''}", "/admin/users")

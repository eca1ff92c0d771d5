"""The pages (GET): what each role reads. Nothing here writes to the book."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from .. import app as kessan
from ..render.chart import save_chart, trend_figure
from ..report.model import Table
from . import access
from .context import LOGIN_CSRF_COOKIE, PER_PAGE, Verified, local_path, render, secure, session, state

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse(access.HOME[session(request).role], status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/", error: str = "") -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html.j2", title="ログイン", login_csrf=token, next=local_path(next), error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request), path="/login")
    return response


@router.get("/dashboard")
def dashboard(request: Request, year: int | None = None) -> Response:
    web = state(request)
    book = web.book
    chosen = book.year(year)
    return render(request, "dashboard.html.j2", title="ダッシュボード", years=book.book.fiscal_years, year=chosen,
                  checks=web.checks(chosen), verified=web.last_verify, drafts=book.drafts("pending"))


def _tables(request: Request, year: int | None, kinds: set[str] | None = None) -> tuple[int, list[Table]]:
    book = state(request).book
    chosen = book.year(year)
    tables = book.report(chosen).tables
    return chosen, [t for t in tables if kinds is None or t.kind in kinds]


@router.get("/statements")
def statements(request: Request, year: int | None = None) -> Response:
    chosen, tables = _tables(request, year)
    whole = [t for t in tables if t.segment is None]
    segments: dict[str, list[Table]] = {}
    for t in tables:
        if t.segment is not None:
            segments.setdefault(t.segment, []).append(t)
    names = {code: s.name for code, s in state(request).book.book.chart.segments.items()}
    return render(request, "statements.html.j2", title="財務諸表", year=chosen, whole=whole,
                  years=state(request).book.book.fiscal_years,
                  segments=[(names.get(code, code), ts) for code, ts in segments.items()], base="/statements")


@router.get("/statements/{table_id}")
def statement(request: Request, table_id: str, year: int | None = None) -> Response:
    return _table_page(request, table_id, year, links=True)


def _table_page(request: Request, table_id: str, year: int | None, links: bool) -> Response:
    book = state(request).book
    chosen = book.year(year)
    try:
        table = book.report(chosen).table(table_id)
    except KeyError:
        raise kessan.NotFound(f"no table {table_id!r} in {chosen}") from None
    return render(request, "table.html.j2", title=table.title, year=chosen, table=table, links=links,
                  state=book.book.fiscal_year(chosen).state)


@router.get("/drill")
def drill(request: Request, figure: str, page: int = 1) -> Response:
    found = state(request).book.drilldown(figure, page=max(page, 1), per_page=PER_PAGE)
    named = kessan.parse_figure_key(figure)
    return render(request, "drill.html.j2", title="内訳", figure=figure, found=found,
                  named=" ／ ".join((named.table, named.line, named.column)))


@router.get("/entries/{entry_id}")
def entry(request: Request, entry_id: str) -> Response:
    found = state(request).book.entry(entry_id)
    return render(request, "entry.html.j2", title=f"仕訳 {entry_id}", entry=found)


MAX_LINES = 40  # lines of one entry form
SEARCH_FIELDS = ("date_from", "date_to", "amount_min", "amount_max", "account", "segment", "memo")


def _query(request: Request) -> tuple[kessan.JournalQuery, dict[str, str]]:
    """The journal query of the search form (a date or amount that is not one: BadInput, located)."""
    given = {k: request.query_params.get(k, "").strip() for k in SEARCH_FIELDS}
    return kessan.query_from_form(given), given


@router.get("/search")
def search(request: Request, page: int = 1) -> Response:
    query, given = _query(request)
    found = None
    if any(given.values()):
        found = state(request).book.search(query, page=max(page, 1), per_page=PER_PAGE)
    params = urlencode([(k, v) for k, v in request.query_params.items() if k != "page"])
    return render(request, "search.html.j2", title="仕訳検索", given=given, found=found, params=params)


@router.get("/search.csv")
def search_csv(request: Request) -> Response:
    query, _ = _query(request)
    text = state(request).book.search_csv(query)
    return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="journal-search.csv"'})


@router.get("/budget")
def budget(request: Request, year: int | None = None) -> Response:
    chosen, tables = _tables(request, year, {"budget"})
    return render(request, "statements.html.j2", title="予算と実績", year=chosen, years=state(request).book.book.fiscal_years,
                  whole=[t for t in tables if t.segment is None], segments=[], base="/statements")


@router.get("/trend")
def trend(request: Request, year: int | None = None) -> Response:
    chosen, tables = _tables(request, year, {"trend"})
    return render(request, "trend.html.j2", title="推移", year=chosen, tables=tables)


@router.get("/trend.svg")
def trend_svg(request: Request, table_id: str, year: int | None = None) -> Response:
    _, tables = _tables(request, year, {"trend"})
    table = next((t for t in tables if t.id == table_id), None)
    if table is None:
        raise kessan.NotFound(f"no trend table {table_id!r}")
    with tempfile.TemporaryDirectory() as tmp:
        svg = save_chart(trend_figure(table), Path(tmp) / "trend.svg").read_bytes()
    return Response(svg, media_type="image/svg+xml")


@router.get("/periods")
def periods(request: Request) -> Response:
    book = state(request).book
    return render(request, "periods.html.j2", title="期間", years=book.book.fiscal_years, history=book.period_history())


@router.get("/drafts/new")
def draft_form(request: Request, lines: int = 6) -> Response:
    return entry_form(request, min(max(lines, 2), MAX_LINES), {})


def entry_form(request: Request, lines: int, values: dict[str, str], *, status: int = 200, message: str = "",
               problems: tuple[str, ...] = ()) -> Response:
    """The entry form, empty or as the user filled it in (with what is wrong with it)."""
    book = state(request).book
    return render(request, "draft.html.j2", status=status, title="仕訳入力", rows=range(lines),
                  accounts=list(book.book.chart.accounts.values()), segments=list(book.book.chart.segments.values()),
                  values={"date": "", "memo": ""} | values, message=message, problems=problems)


@router.get("/drafts/balance")
def draft_balance(request: Request) -> Response:
    """The live per-segment balance of the entry form (htmx swaps it in as the user types)."""
    try:
        balances, problems = state(request).book.segment_balances(draft_from(request.query_params)), []
    except kessan.BadInput as exc:  # a line half typed: say which, and show no totals yet
        balances, problems = None, [str(p) for p in exc.problems]
    return render(request, "_balance.html.j2", balances=balances, problems=problems)


LINE_FIELDS = ("account", "segment", "amount", "flow", "partner")


def draft_from(values: Mapping[str, str]) -> kessan.DraftEntry:
    """The draft of the entry form's fields (line i's are account_i, amount_i, …); BadInput
    naming the line and field of a date or amount that is not one. The app checks the rest
    (the loader's invariants) when the draft is submitted."""
    lines = [{f: values.get(f"{f}_{i}", "") for f in LINE_FIELDS} for i in range(MAX_LINES)]
    return kessan.draft_from_form(values.get("date", ""), values.get("memo", ""), lines)


@router.get("/drafts/import")
def import_form(request: Request) -> Response:
    return render(request, "import.html.j2", title="仕訳取込", imported=None)


@router.get("/approvals")
def approvals(request: Request) -> Response:
    return render(request, "approvals.html.j2", title="承認", drafts=state(request).book.drafts("pending"),
                  me=session(request).user)


@router.get("/closing")
def closing(request: Request, year: int | None = None) -> Response:
    book = state(request).book
    chosen = book.year(year)
    plans = book.closing_plan(chosen)
    return render(request, "closing.html.j2", title="決算整理", year=chosen, plans=plans,
                  differences={p.step: _differences(p.previous, p.proposed) for p in plans if p.previous and not p.unchanged},
                  state=book.book.fiscal_year(chosen).state)


PostingKey = tuple[str, str, int, str]  # segment, account, amount, flow


def _differences(previous: Sequence[Any], proposed: Sequence[Any]) -> tuple[list[PostingKey], list[PostingKey]]:
    """The postings a re-run adds and those it takes away, compared with the last run (a
    posting that stays as it was is in neither)."""
    def keys(entries: Sequence[Any]) -> Counter[PostingKey]:
        return Counter((p.segment, p.account, p.amount, p.flow or "") for e in entries for p in e.postings)

    before, after = keys(previous), keys(proposed)
    return sorted((after - before).elements()), sorted((before - after).elements())


@router.get("/audit")
def audit(request: Request, actor: str = "", kind: str = "") -> Response:
    """The book's audit trail, newest first (filtered by who and what), and the users' history."""
    book = state(request).book
    events = book.log(actor=actor.strip() or None, kind=kind.strip() or None)
    return render(request, "audit.html.j2", title="監査ログ", events=list(reversed(events)), actor=actor, kind=kind,
                  user_events=kessan.users.user_events(book.engine))


@router.get("/verify")
def verify(request: Request) -> Response:
    web = state(request)
    results = web.book.verify()
    web.last_verify = Verified(dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S"), results)
    return render(request, "verify.html.j2", title="検証", verified=web.last_verify)


def _published_year(request: Request) -> int | None:
    """The newest CLOSED fiscal year: only a closed year's statements are published."""
    closed = [fy.year for fy in state(request).book.book.fiscal_years if fy.state == "CLOSED"]
    return max(closed, default=None)


def _downloads(out_dir: Path) -> list[str]:
    names = sorted(p.name for p in out_dir.glob("*") if p.is_file() and p.suffix in (".xlsx", ".pdf"))
    return names + (["html.zip"] if (out_dir / "html" / "index.html").is_file() else [])


@router.get("/published")
def published(request: Request) -> Response:
    year = _published_year(request)
    tables = [t for t in state(request).book.report(year).tables if t.segment is None] if year else []
    return render(request, "published.html.j2", title="公表財務諸表", year=year, tables=tables,
                  downloads=_downloads(state(request).out_dir))


@router.get("/published/{table_id}")
def published_table(request: Request, table_id: str) -> Response:
    year = _published_year(request)
    if year is None:
        raise kessan.NotFound("no fiscal year is CLOSED yet: nothing is published")
    return _table_page(request, table_id, year, links=False)


@router.get("/downloads/{name}")
def download(request: Request, name: str) -> Response:
    out_dir = state(request).out_dir
    if name not in _downloads(out_dir):
        raise kessan.NotFound(f"no package file {name!r}: the 決算責任者 publishes it first")
    if name == "html.zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted((out_dir / "html").rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(out_dir).as_posix())
        return Response(buffer.getvalue(), media_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="html.zip"'})
    return FileResponse(out_dir / name, filename=name)


@router.get("/admin/users")
def admin_users(request: Request) -> Response:
    book = state(request).book
    return render(request, "users.html.j2", title="利用者", users=kessan.users.users(book.engine),
                  roles=kessan.users.ROLES)


"""The pages and actions of the web app through its HTTP interface (FastAPI TestClient), on
SQLite and PostgreSQL: journal import with located errors, the entry form's live balance,
search with its CSV export, the closing dry run then post, the period workflow gated by the
checks, publishing and downloads; every write recorded with the logged-in user as actor."""

from __future__ import annotations

import csv
import io

import pytest

from kessan import app

from .conftest import MINI
from .web_support import USERS, add_users, client, csrf_of, log_in

IMPORT_OK = ("entry,date,kind,memo,segment,account,amount,flow,partner\n"
             "W1,2020-07-01,regular,取込の仕訳,a,111,700,op.jigyo,\n"
             "W1,,,,a,411,-700,,\n")
IMPORT_BAD = ("entry,date,kind,memo,segment,account,amount,flow,partner\n"
              "W2,2020-07-01,regular,=HYPERLINK(\"x\"),a,111,700,op.jigyo,\n"
              "W2,,,,a,9999,-700,,\n")


@pytest.fixture
def served(db_url, tmp_path):
    with app.open_book(MINI, url=db_url, actor="test-setup") as book:
        add_users(book.engine)
        yield book, tmp_path / "out"


def _as(served, role: str):
    c = client(*served)
    assert log_in(c, USERS[role]).status_code == 303
    return c


def test_import_with_located_errors_then_approval(served):
    book, _ = served
    clerk = _as(served, "clerk")
    token = csrf_of(clerk.get("/drafts/import").text)
    r = clerk.post("/drafts/import", data={"csrf": token}, files={"file": ("bad.csv", IMPORT_BAD, "text/csv")})
    assert r.status_code == 400
    assert "bad.csv" in r.text and "9999" in r.text  # the file, the line's field
    assert book.drafts("pending") == []  # nothing half written
    r = clerk.post("/drafts/import", data={"csrf": token}, files={"file": ("../../good.csv", IMPORT_OK, "text/csv")})
    assert r.status_code == 200
    (draft,) = book.drafts("pending")
    assert draft.submitted_by == USERS["clerk"] and "good.csv" in draft.source
    approver = _as(served, "approver")
    page = approver.get("/approvals").text
    assert "取込の仕訳" in page
    r = approver.post(f"/approvals/{draft.id}/approve", data={"csrf": csrf_of(page)})
    assert r.status_code == 200 and "posted as entry W1" in r.text
    assert [e.actor for e in book.log(kind="approve")] == [USERS["approver"]]


def test_nobody_approves_their_own_draft_through_the_web(served):
    book, _ = served
    # a user who both enters and approves (role changed by the 管理者 in between) is still refused
    clerk = _as(served, "clerk")
    token = csrf_of(clerk.get("/drafts/new").text)
    r = clerk.post("/drafts", data={"csrf": token, "date": "2020-07-02", "memo": "自分の仕訳", "account_0": "111",
                                    "segment_0": "a", "amount_0": "5", "flow_0": "op.jigyo", "account_1": "411",
                                    "segment_1": "a", "amount_1": "-5"})
    assert r.status_code == 200
    (draft,) = book.drafts("pending")
    app.users.set_role(book.engine, USERS["clerk"], "approver", actor="test-setup")
    same = _as(served, "clerk")  # clerk1 logs in again, now an 承認者
    page = same.get("/approvals").text
    assert "承認して記帳" not in page  # no button for one's own draft
    r = same.post(f"/approvals/{draft.id}/approve", data={"csrf": csrf_of(page)})
    assert r.status_code == 409 and book.drafts("pending")


def test_the_entry_form_shows_the_balance_per_segment_and_refuses_an_unbalanced_entry(served):
    clerk = _as(served, "clerk")
    fields = {"date": "2020-07-03", "memo": "m", "account_0": "111", "segment_0": "a", "amount_0": "100",
              "flow_0": "op.jigyo", "account_1": "411", "segment_1": "b", "amount_1": "-100"}
    r = clerk.get("/drafts/balance", params=fields)
    assert r.status_code == 200 and "貸借が一致していません" in r.text
    r = clerk.get("/drafts/balance", params=fields | {"segment_1": "a"})
    assert "貸借一致" in r.text and "一致していません" not in r.text
    r = clerk.get("/drafts/balance", params=fields | {"amount_0": "1O0"})
    assert "draft:1 [amount]" in r.text  # located: the form line and its field
    token = csrf_of(clerk.get("/drafts/new").text)
    r = clerk.post("/drafts", data=fields | {"csrf": token})
    assert r.status_code == 400 and served[0].drafts("pending") == []
    # the form comes back as it was filled in, with the problem located (the segment that does not balance)
    assert 'value="111"' in r.text and 'value="-100"' in r.text and '<li>' in r.text


def test_search_and_its_csv_export(served):
    auditor = _as(served, "auditor")
    r = auditor.get("/search", params={"account": "111", "amount_min": "10"})
    assert r.status_code == 200 and "J1" in r.text
    r = auditor.get("/search.csv", params={"account": "111", "amount_min": "10"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) > 1 and all("111" in row for row in rows[1:])
    r = auditor.get("/search", params={"date_from": "2020-13-01"})
    assert r.status_code == 400 and "date_from" in r.text


def test_closing_dry_run_then_post_then_the_period_workflow(served):
    book, _ = served
    closer = _as(served, "closer")
    before = len(book.log())
    page = closer.get("/closing").text
    assert "dry run" in page
    assert len(book.log()) == before  # the dry run wrote nothing
    r = closer.post("/closing", data={"csrf": csrf_of(page), "year": "2020"})
    assert r.status_code == 200 and "closing entries" in r.text
    assert book.log(kind="close")[-1].actor == USERS["closer"]
    auditor = _as(served, "auditor")
    page = auditor.get("/audit", params={"actor": USERS["closer"]}).text
    assert "決算整理" in page and "test-setup" not in page.split("利用者とログイン")[0]
    assert auditor.get("/audit", params={"kind": "nonsense"}).status_code == 400
    token = csrf_of(closer.get("/periods").text)
    r = closer.post("/periods/2020", data={"csrf": token, "action": "adjust", "reason": "決算整理へ"})
    assert r.status_code == 200 and "OPEN → ADJUSTING" in r.text
    r = closer.post("/periods/2020", data={"csrf": token, "action": "close", "reason": ""})
    assert r.status_code in (200, 409)  # CLOSED only when every check passes (the mini book: its own)
    events = book.log(kind="period")
    assert events and all(e.actor == USERS["closer"] for e in events)


def test_publish_then_everyone_who_reads_the_package_downloads_it(served):
    book, out = served
    closer = _as(served, "closer")
    viewer = _as(served, "viewer")
    assert "まだ公表されていません" in viewer.get("/published").text
    r = closer.post("/publish", data={"csrf": csrf_of(closer.get("/published").text)})
    assert r.status_code == 200, r.text
    assert book.log(kind="publish")[-1].actor == USERS["closer"]
    page = viewer.get("/published").text
    names = [n for n in ("html.zip",) if n in page] + [p.name for p in out.glob("*.xlsx")]
    assert "html.zip" in names and len(names) >= 2
    for name in names:
        assert viewer.get(f"/downloads/{name}").status_code == 200
    assert viewer.get("/downloads/..%2Fweb.db").status_code == 404
    assert viewer.get("/statements/bs").status_code == 403  # 閲覧: the published statements only


def test_errors_are_pages_not_tracebacks(served):
    auditor = _as(served, "auditor")
    r = auditor.get("/entries/NO-SUCH")
    assert r.status_code == 404 and "Traceback" not in r.text
    r = auditor.get("/drill", params={"figure": "no|such|figure"})
    assert r.status_code in (400, 404) and "Traceback" not in r.text
    r = auditor.get("/statements/no-such-table")
    assert r.status_code == 404


def test_the_closing_page_shows_what_a_rerun_adds_and_takes_away():
    from collections import namedtuple

    from kessan.web.pages import _differences

    P = namedtuple("P", "segment account amount flow")
    E = namedtuple("E", "postings")
    before = [E([P("a", "5110", 100, None), P("a", "1110", -100, "op")])]
    after = [E([P("a", "5110", 120, None), P("a", "1110", -100, "op"), P("a", "1110", -20, "op")])]
    added, removed = _differences(before, after)
    assert added == [("a", "1110", -20, "op"), ("a", "5110", 120, "")]
    assert removed == [("a", "5110", 100, "")]
    assert _differences(before, before) == ([], [])

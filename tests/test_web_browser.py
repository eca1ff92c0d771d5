"""The web application in a real browser: Playwright driving Debian's chromium (never a
downloaded browser), against `kessan serve`'s app under uvicorn on a free port, over the
example book stored in SQLite and closed. Screenshots go to test-artifacts/ (gitignored).

Skipped, with the reason, only when chromium is not installed (scripts/setup installs it)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
import tomllib

import pytest
import uvicorn

from kessan import app
from kessan.web import access, create_app

from .conftest import EXAMPLE, ROOT
from .web_support import PASSWORD, USERS, add_users

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (scripts/setup installs it "
                                "as root; else: apt-get install -y chromium)")
ARTIFACTS = ROOT / "test-artifacts"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}

# the text boxes of a page that must not overlap each other (JS: pairs of boxes that intersect)
OVERLAPS_JS = """(selector) => {
  const els = [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && e.innerText.trim() !== '';
  });
  const clip = (e, r) => {  // the part of a box not hidden by a scrolling ancestor
    for (let p = e.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { const q = p.getBoundingClientRect();
        r = {left: Math.max(r.left, q.left), right: Math.min(r.right, q.right), top: r.top, bottom: r.bottom}; }
    }
    return r;
  };
  // an inline element wrapped over two lines has a box per line (getClientRects), not one
  const boxes = els.map(e => [e, [...e.getClientRects()].map(r => clip(e, r))]);
  const found = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ras] = boxes[i], [b, rbs] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    for (const ra of ras) for (const rb of rbs) {
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) found.push(a.innerText.slice(0, 30) + ' / ' + b.innerText.slice(0, 30));
    }
  }
  return found;
}"""
TEXT_BOXES = "h1, h2, p, label, button, a, th, td, li, dt, dd, span, select, input"
# an amount wider than its cell would print into the next one
OVERFLOWING_JS = """() => [...document.querySelectorAll('td.num')]
  .filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.innerText)"""
# a header so narrow that it prints one character per line
NARROW_HEADERS_JS = """() => [...document.querySelectorAll('thead th')].filter(th => th.innerText.trim().length > 2)
  .filter(th => th.getBoundingClientRect().width < 2.2 * parseFloat(getComputedStyle(th).fontSize)).map(th => th.innerText)"""

# a caption (the date, the unit) laid out where the reader cannot see it without scrolling sideways
CAPTIONS_OFF_SCREEN_JS = """() => [...document.querySelectorAll('caption span')].filter(s => s.innerText.trim())
  .filter(s => { const r = document.createRange(); r.selectNodeContents(s);
                 return r.getBoundingClientRect().right > window.innerWidth; }).map(s => s.innerText)"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kessan serve` over the example book (stored in SQLite, closed, 令和2年度 OPEN), in a thread."""
    folder = tmp_path_factory.mktemp("web")
    with app.open_book(EXAMPLE, url=f"sqlite:///{folder / 'web.db'}", actor="test-setup") as book:
        book.close()
        add_users(book.engine)
        port = _free_port()
        srv = uvicorn.Server(uvicorn.Config(create_app(book, folder / "out"), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        for _ in range(100):
            if srv.started:
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", book
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                                     "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def _page(browser, base: str, role: str, viewport=DESKTOP):
    page = browser.new_context(viewport=viewport, base_url=base).new_page()
    page.goto("/login")
    page.fill("input[name=name]", USERS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _yen(text: str) -> int:
    text = text.strip().replace(",", "")
    return -int(text[1:]) if text.startswith("△") else int(text)


@pytest.mark.parametrize("role", access.ROLES)
def test_each_role_logs_in_to_its_first_page(server, browser, role):
    page = _page(browser, server[0], role)
    assert page.url.endswith(access.HOME[role])
    assert page.locator("header .who").inner_text().startswith(USERS[role])
    links = [a.get_attribute("href") for a in page.locator("nav.main a").all()]
    assert links and all(access.allowed(role, "GET", href) for href in links)
    _shot(page, f"home-{role}")
    page.context.close()


def test_drill_down_from_cash_total_to_postings_that_sum_to_it(server, browser):
    page = _page(browser, server[0], "auditor")
    page.goto("/statements/bs-segments")
    header = [th.inner_text() for th in page.locator("table.report thead tr").last.locator("th").all()]
    row = page.locator("table.report tbody tr", has=page.locator("th", has_text=re.compile("^現金及び預金$")))
    total_col = header.index("合計") if "合計" in header else len(header) - 1
    cell = row.locator("td").nth(total_col - (1 if len(header) == row.locator("td").count() + 1 else 0))
    figure = _yen(cell.inner_text())
    assert figure != 0
    cell.locator("a").click()
    page.wait_for_load_state()
    assert _yen(page.locator("[data-total]").inner_text()) == figure
    seen = 0
    while True:
        seen += sum(_yen(td.inner_text()) for td in page.locator("table.postings tbody td.num").all())
        following = page.locator("nav.pager a[rel=next]")
        if not following.count():
            break
        following.click()
        page.wait_for_load_state()
    assert seen == figure
    page.locator("table.postings tbody th a").first.click()  # the entry behind the first posting
    page.wait_for_load_state()
    assert "/entries/" in page.url and page.locator("dd.hash").inner_text().strip()
    _shot(page, "entry")
    page.context.close()


def _codes() -> tuple[str, str, str]:
    """A cash account, a revenue account and a cash flow of the example (its data, not kessan's)."""
    accounts = tomllib.loads((EXAMPLE / "accounts.toml").read_text(encoding="utf-8"))["account"]
    flows = tomllib.loads((EXAMPLE / "flows.toml").read_text(encoding="utf-8"))["flow"]
    cash = next(a["code"] for a in accounts if a.get("cash"))
    revenue = next(a["code"] for a in accounts if a["kind"] == "revenue")
    return cash, revenue, next(f["code"] for f in flows if f["applies_to"] == "cash")


def test_a_clerk_enters_a_draft_an_approver_approves_it_and_the_statement_changes(server, browser):
    base, book = server
    cash, revenue, flow = _codes()
    segment = next(iter(book.book.chart.segments))
    watcher = _page(browser, base, "auditor")
    watcher.goto("/statements/bs")
    before = watcher.locator("table.report").inner_text()

    clerk = _page(browser, base, "clerk")
    clerk.goto("/drafts/new")
    clerk.fill("input[name=date]", "2021-03-30")
    clerk.fill("input[name=memo]", "ブラウザからの仕訳")
    clerk.fill("input[name=account_0]", cash)
    clerk.select_option("select[name=segment_0]", segment)
    clerk.fill("input[name=amount_0]", "1234567")
    clerk.fill("input[name=flow_0]", flow)
    clerk.fill("input[name=account_1]", revenue)
    clerk.select_option("select[name=segment_1]", segment)
    clerk.fill("input[name=amount_1]", "-1234000")
    clerk.locator("#balance").get_by_text("貸借が一致していません").wait_for()  # the live balance (htmx)
    clerk.fill("input[name=amount_1]", "-1234567")
    clerk.locator("#balance").get_by_text("貸借一致").wait_for()
    _shot(clerk, "draft-form")
    clerk.click("form.draft button[type=submit]")
    clerk.wait_for_load_state()
    message = clerk.locator("p.done").inner_text()
    draft_id = int(re.search(r"draft (\d+)", message).group(1))

    approver = _page(browser, base, "approver")
    approver.goto("/approvals")
    card = approver.locator("section.draft-card", has_text=f"#{draft_id} ")
    card.get_by_role("button", name="承認して記帳").click()
    approver.wait_for_load_state()
    assert "posted as entry" in approver.locator("p.done").inner_text()

    watcher.goto("/statements/bs")
    assert watcher.locator("table.report").inner_text() != before
    for p in (watcher, clerk, approver):
        p.context.close()


def test_an_auditor_sees_no_write_control_and_a_forged_post_is_refused(server, browser):
    base, book = server
    page = _page(browser, base, "auditor")
    for href in [a.get_attribute("href") for a in page.locator("nav.main a").all()]:
        page.goto(href)
        posts = page.locator("form[method=post]:not(.logout)").count()
        assert posts == 0, f"{href} shows a write control to the auditor"
        assert page.locator("form.draft, input[type=file]").count() == 0
    token = page.locator("form.logout input[name=csrf]").get_attribute("value")
    state = book.book.fiscal_year(2020).state
    forged = page.request.post(f"{base}/periods/2020", form={"action": "adjust", "reason": "forged", "csrf": token})
    assert forged.status == 403
    forged = page.request.post(f"{base}/closing", form={"year": "2020", "csrf": token})
    assert forged.status == 403
    assert book.book.fiscal_year(2020).state == state
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("path", ["/dashboard", "/statements", "/statements/bs-segments", "/statements/pl",
                                  "/search?memo=a", "/drafts/new", "/periods", "/closing", "/audit", "/approvals",
                                  "/trend", "/published"])
def test_no_two_text_boxes_overlap(server, browser, path, viewport):
    role = "clerk" if path.startswith("/drafts") else "closer"
    page = _page(browser, server[0], role, viewport)
    page.goto(path)
    _shot(page, f"{viewport['width']}" + re.sub(r"\W+", "-", path))
    assert page.evaluate(OVERLAPS_JS, TEXT_BOXES) == []
    assert page.evaluate(OVERFLOWING_JS) == []
    assert page.evaluate(NARROW_HEADERS_JS) == []
    # the page itself never scrolls sideways (wide tables scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
    page.context.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The example's settlement package as the static HTML site."""
    out = tmp_path_factory.mktemp("site")
    with app.open_book(EXAMPLE, actor="test-setup") as book:
        book.publish(out, ("html",))
    return out / "html"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_static_package_pages_keep_amounts_in_their_cells(site, browser, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    pages = sorted(site.glob("*.html"))
    wide = [p for p in pages if 'class="statement wider"' in p.read_text(encoding="utf-8")]
    assert wide, "the example has 事業別 tables"
    for path in pages:
        page.goto(path.as_uri())
        assert page.evaluate(OVERFLOWING_JS) == [], path.name
        assert page.evaluate(NARROW_HEADERS_JS) == [], path.name
        assert page.evaluate(OVERLAPS_JS, "th, td, caption span, p, a") == [], path.name
        assert page.evaluate(CAPTIONS_OFF_SCREEN_JS) == [], path.name
    page.goto(wide[0].as_uri())
    _shot(page, f"package-{wide[0].stem}-{viewport['width']}")
    page.context.close()

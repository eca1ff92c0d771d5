"""An in-memory book for closing tests: two segments, the accounts the closing steps post to,
and as many fiscal years as a register's life needs. No files, no database."""

from __future__ import annotations

from collections.abc import Iterable

from kessan.closing.state import ClosingState
from kessan.ledger.model import Account, Book, Cell, Chart, FiscalYear, Flow, Segment
from kessan.ledger.subledgers import Subledgers

ACCOUNTS: dict[str, tuple[str, str]] = {  # code: (name, kind)
    "1110": ("現金預金", "asset"), "1310": ("建物", "asset"), "1311": ("建物減価償却累計額", "asset"),
    "1320": ("工具器具備品", "asset"), "1321": ("工具器具備品減価償却累計額", "asset"),
    "1340": ("リース資産", "asset"), "1341": ("リース資産減価償却累計額", "asset"), "1420": ("ソフトウェア", "asset"),
    "2120": ("未払法人住民税等", "liability"), "2140": ("賞与引当金", "liability"),
    "2160": ("リース債務 (流動)", "liability"), "2211": ("長期前受金", "liability"),
    "2220": ("退職給付引当金", "liability"), "2270": ("リース債務 (固定)", "liability"),
    "2280": ("資産除去債務", "liability"), "3210": ("積立金", "net_assets"),
    "4220": ("長期前受金取崩収入", "revenue"), "5140": ("減価償却費", "expense"), "5160": ("人件費", "expense"),
    "5190": ("その他", "expense"), "5260": ("退職給付費用", "expense"), "5910": ("法人住民税", "expense"),
    "5990": ("固定資産除却損", "expense"),
}
FLOWS = ("fa.depreciation", "prov.increase", "prov.other", "prov.use", "aro.accretion", "res.increase", "res.decrease",
         "net_income")
ACCOUNT_ROLES = {"2120": "resident_tax_payable", "2160": "lease_current", "2270": "lease_noncurrent",
                 "3210": "retained_earnings", "4220": "grant_drawdown_revenue", "5910": "resident_tax_expense"}
FLOW_ROLES = {"fa.depreciation": "depreciation", "prov.increase": "provision_increase", "prov.other": "provision_other",
              "aro.accretion": "aro_accretion", "res.increase": "reserve_increase", "res.decrease": "reserve_decrease",
              "net_income": "net_income"}
SEGMENTS = ("a", "b")


def make_book(years: Iterable[int], extra_accounts: dict[str, tuple[str, str]] | None = None) -> Book:
    accounts = {code: Account(code, name, kind, roles=_roles(ACCOUNT_ROLES, code))
                for code, (name, kind) in {**ACCOUNTS, **(extra_accounts or {})}.items()}
    accounts["1110"] = Account("1110", "現金預金", "asset", cash=True)
    chart = Chart(accounts, {s: Segment(s, f"{s.upper()}事業") for s in SEGMENTS},
                  {f: Flow(f, f, "any", _roles(FLOW_ROLES, f)) for f in FLOWS})
    fiscal_years = tuple(FiscalYear(y, f"{y}年度") for y in sorted(set(years)))
    return Book("t", "テスト機構", fiscal_years[0].year, fiscal_years, chart)


def _roles(roles: dict[str, str], code: str) -> tuple[str, ...]:
    return (roles[code],) if code in roles else ()


def state(book: Book, year: int, balances: dict[tuple[str, str], int] | None = None,
          subledgers: Subledgers | None = None) -> ClosingState:
    cells = tuple(Cell(seg, acc, None, None, v, 0, 0) for (seg, acc), v in (balances or {}).items())
    return ClosingState(book, year, cells, subledgers or Subledgers())


def next_year(s: ClosingState, subledgers: Subledgers | None = None) -> ClosingState:
    """The opening state of the following year: every balance carried forward, no movement."""
    sums: dict[tuple[str, str, str | None, str | None], int] = {}
    for c in s.cells:
        key = (c.segment, c.account, c.flow, c.partner)
        sums[key] = sums.get(key, 0) + c.opening + c.movement
    cells = tuple(Cell(seg, acc, fl, pt, v, 0, 0) for (seg, acc, fl, pt), v in sums.items() if v)
    return ClosingState(s.book, s.year + 1, cells, s.subledgers if subledgers is None else subledgers)

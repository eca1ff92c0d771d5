"""Read the registers of BOOK_DIR/subledgers/ (docs/closing.md) into ledger.subledgers rows.

All files are optional. They are validated like the journal: every problem names file,
line and field, and a BookError carrying them all is raised before anything is computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Literal, overload

from ..ledger.errors import BookError, InputError
from ..ledger.model import Chart
from ..ledger.options import ClosingOptions, with_options
from ..ledger.subledgers import (
    METHODS,
    PROVISION_METHODS,
    RESERVE_ACTIONS,
    Asset,
    GrantUse,
    Lease,
    Obligation,
    Office,
    Provision,
    Reserve,
    Security,
    Subledgers,
)
from .files import DECIMAL, Problems, amount_problem, csv_rows, parse_amount, parse_date

ID_LIMIT = 64  # register ids: they become parts of entry ids and input keys
SECURITY_NAME_LIMIT = 200  # a bond's name becomes the label of its inputs (at most 256 characters)
# counts: a useful life in years, a lease term in months (a century at most)
COUNT_LIMITS = {"useful_life": 100, "lease_months": 1200, "term_months": 1200}

ASSET_COLUMNS = ("asset", "name", "segment", "cost_account", "contra_account", "expense_account", "method",
                 "useful_life", "lease_months", "in_use", "cost", "grant_account", "funded_amount", "disposed",
                 "opening_accumulated", "opening_year", "revised_base")
LEASE_COLUMNS = ("lease", "segment", "first_due", "term_months", "amount", "monthly_rate", "payment")
SECURITY_COLUMNS = ("security", "name", "segment", "account", "face_value", "maturity", "purpose")
GRANT_USE_COLUMNS = ("use", "name", "segment", "grant_account", "fiscal_year", "spent")
PROVISION_COLUMNS = ("provision", "name", "segment", "account", "expense_account", "method", "amount",
                     "period_start", "period_end")
RESERVE_COLUMNS = ("reserve", "segment", "account", "action", "counter_account", "fiscal_year", "amount", "basis")
ARO_COLUMNS = ("obligation", "name", "segment", "account", "expense_account", "recognised", "discount_rate",
               "initial_amount", "opening_balance", "opening_year", "settled", "undiscounted_amount",
               "expected_settlement")
# The kind of account each register field names: the closing posts to it on that side, so a
# code of the wrong kind (an expense where the accumulated depreciation belongs) is a typo.
ACCOUNT_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("fixed_assets.csv", "cost_account"): ("asset",), ("fixed_assets.csv", "contra_account"): ("asset",),
    ("fixed_assets.csv", "expense_account"): ("expense",), ("fixed_assets.csv", "grant_account"): ("liability",),
    ("securities.csv", "account"): ("asset",), ("grant_uses.csv", "grant_account"): ("liability",),
    ("provisions.csv", "account"): ("liability", "asset"), ("provisions.csv", "expense_account"): ("expense",),
    ("reserves.csv", "account"): ("liability", "net_assets"),  # its counter account: an expense, revenue or 長期前受金
    ("aro.csv", "account"): ("liability",), ("aro.csv", "expense_account"): ("expense",),
}
TAX_COLUMNS = ("office", "jurisdiction", "segment", "annual_amount", "opened", "closed")


def _rows(path: Path, columns: tuple[str, ...], errors: list[InputError]) -> Iterator[tuple[str, int, dict[str, str]]]:
    """Rows of an optional sub-ledger CSV as dicts, through the book's one CSV reader."""
    name = f"subledgers/{path.name}"
    found = Problems()
    for line, row in csv_rows(path, columns, found, name=name, required=False):
        if len(row) != len(columns):
            found.add(name, line, None, f"expected {len(columns)} fields, got {len(row)}")
            continue
        yield name, line, dict(zip(columns, (c.strip() for c in row), strict=True))
    errors.extend(found.items)


class _Fields:
    """Typed field access that records errors with file, line and field.

    A bad field turns ``ok`` False. A required one then reads as a placeholder of its type
    (0, "", ``date.min``, ``Decimal(0)``), an optional one as None: the callers keep a row
    only while ``ok``, so a placeholder never leaves this module.
    """

    def __init__(self, name: str, line: int, row: dict[str, str], errors: list[InputError]):
        self.name, self.line, self.row, self.errors, self.ok = name, line, row, errors, True

    def fail(self, field: str, message: str) -> None:
        self.errors.append(InputError(self.name, self.line, field, message))
        self.ok = False

    @overload
    def integer(self, field: str, required: Literal[True] = True) -> int: ...
    @overload
    def integer(self, field: str, required: bool) -> int | None: ...
    def integer(self, field: str, required: bool = True) -> int | None:
        """Integer yen (or a count: ``COUNT_LIMITS``, at least 1), strictly: a sign and ASCII digits."""
        v = self.row[field]
        if not v and not required:
            return None
        value = parse_amount(v)
        if value is None:
            self.fail(field, amount_problem(v) if field not in COUNT_LIMITS else f"not a whole number: {v!r}")
            return 0 if required else None
        if field in COUNT_LIMITS and not 1 <= value <= COUNT_LIMITS[field]:
            self.fail(field, f"{value} is not between 1 and {COUNT_LIMITS[field]}")
            return 0 if required else None
        if value < 0:
            self.fail(field, f"{value}: a register holds amounts, never negative (its action or account gives the side)")
            return 0 if required else None
        return value

    @overload
    def year(self, field: str, required: Literal[True] = True) -> int: ...
    @overload
    def year(self, field: str, required: bool) -> int | None: ...
    def year(self, field: str, required: bool = True) -> int | None:
        """A fiscal year: four ASCII digits."""
        v = self.row[field]
        if not v and not required:
            return None
        if not (len(v) == 4 and v.isascii() and v.isdigit()):
            self.fail(field, f"not a year: {v!r} (expected four digits)")
            return 0 if required else None
        return int(v)

    @overload
    def date(self, field: str, required: Literal[True] = True) -> dt.date: ...
    @overload
    def date(self, field: str, required: bool) -> dt.date | None: ...
    def date(self, field: str, required: bool = True) -> dt.date | None:
        v = self.row[field]
        if not v and not required:
            return None
        day = parse_date(v)
        if day is None:
            self.fail(field, f"bad date {v!r}: expected YYYY-MM-DD")
            return dt.date.min if required else None
        return day

    @overload
    def account(self, field: str, chart: Chart, required: Literal[True] = True) -> str: ...
    @overload
    def account(self, field: str, chart: Chart, required: bool) -> str | None: ...
    def account(self, field: str, chart: Chart, required: bool = True) -> str | None:
        v = self.row[field]
        if not v and not required:
            return None
        if v not in chart.accounts:
            self.fail(field, f"unknown account {v!r}")
            return "" if required else None
        kinds = ACCOUNT_KINDS.get((self.name.removeprefix("subledgers/"), field), ())
        if kinds and chart.accounts[v].kind not in kinds:
            self.fail(field, f"account {v} ({chart.accounts[v].name}) is {chart.accounts[v].kind}; "
                             f"{field} must be {' or '.join(kinds)}")
            return "" if required else None
        return v

    @overload
    def decimal(self, field: str, required: Literal[True] = True) -> Decimal: ...
    @overload
    def decimal(self, field: str, required: bool) -> Decimal | None: ...
    def decimal(self, field: str, required: bool = True) -> Decimal | None:
        """A rate written as a plain decimal (0.0077): ASCII digits, no exponent, not NaN."""
        v = self.row[field]
        if not v and not required:
            return None
        if not DECIMAL.fullmatch(v) or len(v) > 40:
            self.fail(field, f"not a decimal: {v!r}")
            return Decimal(0) if required else None
        if Decimal(v) < 0:
            self.fail(field, f"a rate is never negative, got {v}")
            return Decimal(0) if required else None
        return Decimal(v)

    def text(self, field: str, limit: int | None = None) -> str:
        v = self.row[field]
        if limit is not None and len(v) > limit:
            self.fail(field, f"{len(v)} characters; at most {limit}")
        return v

    def id(self, field: str) -> str:
        v = self.row[field]
        if not v:
            self.fail(field, f"missing {field} id")
        return self.text(field, ID_LIMIT)

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        v = self.row[field]
        if v not in allowed:
            self.fail(field, f"unknown {field} {v!r} (expected {', '.join(allowed)})")
            return ""
        return v

    def segment(self, chart: Chart) -> str:
        v = self.row["segment"]
        if v not in chart.segments:
            self.fail("segment", f"unknown segment {v!r}")
            return ""
        return v


def read_subledgers(root: Path | str, chart: Chart, options: ClosingOptions | None = None) -> Subledgers:
    """The registers of BOOK_DIR/subledgers/, each asset with the book's closing ``options``."""
    return with_options(_read_subledgers(root, chart), options or ClosingOptions())


def _read_subledgers(root: Path | str, chart: Chart) -> Subledgers:
    folder = Path(root) / "subledgers"
    errors: list[InputError] = []
    assets: list[Asset] = []
    leases: list[Lease] = []
    seen: set[str] = set()
    for name, line, row in _rows(folder / "fixed_assets.csv", ASSET_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        if row["asset"] in seen:
            f.fail("asset", f"duplicate asset id {row['asset']!r}")
        seen.add(row["asset"])
        method = row["method"]
        if method not in METHODS:
            f.fail("method", f"unknown method {method!r} (expected {', '.join(METHODS)})")
        a = Asset(f.id("asset"), f.text("name"), f.segment(chart), f.account("cost_account", chart),
                  f.account("contra_account", chart, required=False), f.account("expense_account", chart), method,
                  f.integer("useful_life", required=method not in ("lease", "none")),
                  f.integer("lease_months", required=method == "lease"),
                  f.date("in_use"), f.integer("cost"), f.account("grant_account", chart, required=False),
                  f.integer("funded_amount", required=False) or 0, f.date("disposed", required=False),
                  f.integer("opening_accumulated", required=False),
                  f.year("opening_year", required=bool(row["opening_accumulated"])),
                  f.integer("revised_base", required=False))
        if f.ok and a.opening_accumulated is not None and not 0 <= a.opening_accumulated <= a.cost:
            f.fail("opening_accumulated", f"must lie between 0 and the cost {a.cost}")
        if f.ok:
            assets.append(a)
    for name, line, row in _rows(folder / "leases.csv", LEASE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        lease = Lease(f.id("lease"), f.segment(chart), f.date("first_due"), f.integer("term_months"), f.integer("amount"),
                      f.decimal("monthly_rate", required=False), f.integer("payment", required=False))
        if f.ok and lease.payment is not None and lease.monthly_rate is None:
            f.fail("payment", "a fixed payment applies to 利息法 only (give monthly_rate); 利子込み法 splits the amount evenly")
        if f.ok:
            leases.append(lease)
    securities: list[Security] = []
    for name, line, row in _rows(folder / "securities.csv", SECURITY_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        sec = Security(f.id("security"), f.text("name", SECURITY_NAME_LIMIT), f.segment(chart), f.account("account", chart),
                       f.integer("face_value"), f.date("maturity"), f.text("purpose"))
        if f.ok:
            securities.append(sec)
    more = _read_closing_registers(folder, chart, errors)
    if errors:
        raise BookError(errors[:50])
    return replace(more, assets=tuple(assets), leases=tuple(leases), securities=tuple(securities))


def _read_closing_registers(folder: Path, chart: Chart, errors: list[InputError]) -> Subledgers:
    """The registers of the provision, reserve, 資産除去債務, 長期前受金 and tax steps."""
    grant_uses: list[GrantUse] = []
    for name, line, row in _rows(folder / "grant_uses.csv", GRANT_USE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        g = GrantUse(f.id("use"), f.text("name"), f.segment(chart), f.account("grant_account", chart), f.year("fiscal_year"),
                     f.integer("spent"))
        if f.ok:
            grant_uses.append(g)
    provisions: list[Provision] = []
    for name, line, row in _rows(folder / "provisions.csv", PROVISION_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        method = f.choice("method", PROVISION_METHODS)
        p = Provision(f.id("provision"), f.text("name"), f.segment(chart), f.account("account", chart),
                      f.account("expense_account", chart), method, f.integer("amount"),
                      f.date("period_start", required=method == "bonus"), f.date("period_end", required=method == "bonus"))
        if (f.ok and p.method == "bonus" and p.period_start is not None and p.period_end is not None
                and p.period_end < p.period_start):
            f.fail("period_end", "the 支給対象期間 ends before it starts")
        if f.ok:
            provisions.append(p)
    reserves: list[Reserve] = []
    for name, line, row in _rows(folder / "reserves.csv", RESERVE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        r = Reserve(f.id("reserve"), f.segment(chart), f.account("account", chart), f.choice("action", RESERVE_ACTIONS),
                    f.account("counter_account", chart), f.year("fiscal_year"), f.integer("amount"), f.text("basis"))
        if f.ok:
            reserves.append(r)
    obligations: list[Obligation] = []
    for name, line, row in _rows(folder / "aro.csv", ARO_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        o = Obligation(f.id("obligation"), f.text("name"), f.segment(chart), f.account("account", chart),
                       f.account("expense_account", chart), f.date("recognised"), f.decimal("discount_rate"),
                       f.integer("initial_amount"), f.integer("opening_balance", required=False),
                       f.year("opening_year", required=bool(row["opening_balance"])), f.date("settled", required=False),
                       f.integer("undiscounted_amount", required=bool(row["expected_settlement"])),
                       f.date("expected_settlement", required=bool(row["undiscounted_amount"])))
        if f.ok:
            obligations.append(o)
    offices: list[Office] = []
    for name, line, row in _rows(folder / "resident_tax.csv", TAX_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        office = Office(f.id("office"), f.text("jurisdiction"), f.segment(chart), f.integer("annual_amount"),
                        f.date("opened", required=False), f.date("closed", required=False))
        if f.ok:
            offices.append(office)
    return Subledgers(grant_uses=tuple(grant_uses), provisions=tuple(provisions), reserves=tuple(reserves),
                      obligations=tuple(obligations), offices=tuple(offices))

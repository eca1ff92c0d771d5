"""What the writers share: the balances brought forward, errors, and ASCII account names."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import NamedTuple

from ..ledger.model import Book, Chart, Entry, Posting


class ExportError(Exception):
    """The year cannot be written in the format asked for (a text the encoding lacks)."""


class Brought(NamedTuple):
    """A balance brought forward into the year (前期繰越): all postings before it and its
    opening entry, per segment, account, flow and partner."""

    segment: str
    account: str
    flow: str | None
    partner: str | None
    amount: int


def brought_forward(year: int, start: dt.date, brought: list[Brought]) -> Entry:
    """The balances brought forward as one entry on the first day of the year (前期繰越)."""
    postings = tuple(Posting(b.segment, b.account, b.amount, b.flow, b.partner) for b in brought)
    return Entry(f"OPEN-{year}", start, "opening", "前期繰越", postings)


ROOTS = {"asset": "Assets", "liability": "Liabilities", "net_assets": "Equity", "revenue": "Income", "expense": "Expenses"}


def component(code: str) -> str:
    """An account-name component beancount accepts (a capital letter or digit, then letters,
    digits and dashes) made from a code: residents_related -> Residents-Related, 101 -> 101.
    A code with no ASCII letter or digit gets a stable name from its hash (X1A2B3C4D)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", unicodedata.normalize("NFKC", code)) if p]
    if not parts:
        return "X" + hashlib.sha256(code.encode()).hexdigest()[:8].upper()
    return "-".join(p[:1].upper() + p[1:] for p in parts)


def _unique(codes: list[str]) -> dict[str, str]:
    """code -> component, made unique by a numeric suffix where two codes give the same one."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for code in codes:
        name = base = component(code)
        n = 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        out[code] = name
    return out


class Names:
    """ASCII account names of a chart: Root:Account:Segment (Assets:101:General)."""

    def __init__(self, chart: Chart):
        self.chart = chart
        self.accounts = _unique(list(chart.accounts))
        self.segments = _unique(list(chart.segments))

    def name(self, segment: str, account: str) -> str:
        acct = self.chart.accounts[account]
        return f"{ROOTS[acct.kind]}:{self.accounts[account]}:{self.segments[segment]}"


def title(book: Book, year: int) -> str:
    return f"{book.name} {book.fiscal_year(year).label}"


def labels(names: dict[str, str]) -> dict[str, str]:
    """code -> the label written for it: its name, or "code name" where the name is not unique."""
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {code: n if counts[n] == 1 else f"{code} {n}" for code, n in names.items()}

"""The year as a beancount file: accounts Root:Account:Segment in ASCII (beancount refuses a
Japanese first character), the Japanese names kept as metadata of their ``open``; every
posting carries its segment (and flow and partner) as metadata; closing entries are tagged
#closing (appropriation #appropriation); the balances brought forward are one transaction
tagged #opening on the first day of the year."""

from __future__ import annotations

from collections.abc import Iterator

from ..ledger.model import Book, Entry
from .model import Brought, Names, brought_forward, title

CURRENCY = "JPY"


def _q(text: str) -> str:
    """A beancount string: backslash and quote escaped, on one line."""
    return '"' + " ".join(text.splitlines()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def beancount_text(book: Book, year: int, entries: list[Entry], brought: list[Brought]) -> str:
    names = Names(book.chart)
    start = book.fiscal_year(year).start
    lines = [f"; kessan export: {title(book, year)}",
             f"option \"title\" {_q(title(book, year))}", f'option "operating_currency" "{CURRENCY}"', ""]
    used = sorted({(p.segment, p.account) for e in entries for p in e.postings} | {(b.segment, b.account) for b in brought},
                  key=lambda sa: names.name(*sa))
    for segment, account in used:
        acct, seg = book.chart.accounts[account], book.chart.segments[segment]
        lines += [f"{start.isoformat()} open {names.name(segment, account)} {CURRENCY}",
                  f"  code: {_q(account)}", f"  name: {_q(acct.name)}", f"  segment: {_q(segment)}",
                  f"  segment_name: {_q(seg.name)}"]
    lines.append("")
    if brought:
        lines += _transaction(names, brought_forward(year, start, brought))
    for e in entries:
        lines += _transaction(names, e)
    return "\n".join(lines) + "\n"


def _transaction(names: Names, e: Entry) -> Iterator[str]:
    day, memo, kind, code, postings = e.date, e.memo, e.kind, e.id, e.postings
    tag = "" if kind == "regular" else f" #{kind}"
    yield f"{day.isoformat()} * {_q(memo)}{tag}"
    yield f"  id: {_q(code)}"
    yield f"  kind: {_q(kind)}"
    for p in postings:
        yield f"  {names.name(p.segment, p.account)}  {p.amount} {CURRENCY}"
        yield f"    segment: {_q(p.segment)}"
        if p.flow:
            yield f"    flow: {_q(p.flow)}"
        if p.partner:
            yield f"    partner: {_q(p.partner)}"
    yield ""

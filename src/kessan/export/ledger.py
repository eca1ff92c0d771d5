"""The year as a ledger / hledger journal: the same ASCII account names as the beancount
export (Root:Account:Segment), declared with the Japanese names as tags; each posting tagged
with its segment (flow, partner); closing and appropriation entries tagged by kind; the
balances brought forward one transaction tagged opening on the first day of the year."""

from __future__ import annotations

from collections.abc import Iterator

from ..ledger.model import Book, Entry
from .model import Brought, Names, brought_forward, title

CURRENCY = "JPY"


def _text(text: str) -> str:
    """A description or tag value on one line; ';' would start a comment there, so it is
    written full-width."""
    return " ".join(text.splitlines()).replace(";", "；").replace(",", "，")


def ledger_text(book: Book, year: int, entries: list[Entry], brought: list[Brought]) -> str:
    names = Names(book.chart)
    start = book.fiscal_year(year).start
    lines = [f"; kessan export: {_text(title(book, year))}", ""]
    used = sorted({(p.segment, p.account) for e in entries for p in e.postings} | {(b.segment, b.account) for b in brought},
                  key=lambda sa: names.name(*sa))
    for segment, account in used:
        acct, seg = book.chart.accounts[account], book.chart.segments[segment]
        lines.append(f"account {names.name(segment, account)}  ; code: {_text(account)}, name: {_text(acct.name)}, "
                     f"segment: {_text(segment)}, segment_name: {_text(seg.name)}")
    lines.append("")
    if brought:
        lines += _transaction(names, brought_forward(year, start, brought))
    for e in entries:
        lines += _transaction(names, e)
    return "\n".join(lines) + "\n"


def _transaction(names: Names, e: Entry) -> Iterator[str]:
    day, memo, kind, code, postings = e.date, e.memo, e.kind, e.id, e.postings
    tag = "" if kind == "regular" else f", {kind}:"
    yield f"{day.isoformat()} * {_text(memo) or '-'}  ; id: {_text(code)}, kind: {kind}{tag}"
    for p in postings:
        tags = [f"segment: {_text(p.segment)}"]
        if p.flow:
            tags.append(f"flow: {_text(p.flow)}")
        if p.partner:
            tags.append(f"partner: {_text(p.partner)}")
        yield f"    {names.name(p.segment, p.account)}  {p.amount} {CURRENCY}  ; {', '.join(tags)}"
    yield ""

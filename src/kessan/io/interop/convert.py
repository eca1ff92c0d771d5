"""伝票 of a source file + a mapping -> kessan entries, every problem located in the source.

First every name is looked up: all unmapped 勘定科目, 部門 and 決算 values are reported at once,
each with how many lines use it, and nothing else is done. Then each 伝票 becomes an entry:
its sides become postings (signed: 借方 +, 貸方 −), the flow and partner rules fill what the
source does not say, and the entry is checked by the same invariants as a loaded journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ...ledger.errors import BookError, InputError
from ...ledger.invariants import entry_problems
from ...ledger.model import Account, Book, Chart, Entry, Posting
from ..files import Problems
from .mapping import Facts, Mapping, Rule, flow_fits
from .slips import Side, Slip


@dataclass(frozen=True)
class Converted:
    entries: list[Entry]
    skipped: int  # 伝票 the mapping said to skip (by their 決算 column)


def unmapped(slips: list[Slip], mapping: Mapping, name: str) -> list[InputError]:
    """Every name of the source that the mapping does not map, with its count and first line."""
    lines: dict[tuple[str, str], set[int]] = {}  # (column, name) -> the lines using it

    def note(column: str, value: str, line: int) -> None:
        lines.setdefault((column, value), set()).add(line)

    for slip in slips:
        if slip.settlement not in mapping.settlement:
            note("決算", slip.settlement, slip.line)
            continue
        if mapping.settlement[slip.settlement] == "skip":
            continue
        for side in slip.sides:
            if side.account in mapping.ignore:
                continue
            if mapping.account(side.account, side.sub) is None:
                note("勘定科目", side.account, side.line)
            if side.dept not in mapping.segments:
                note("部門", side.dept, side.line)
    where = {"勘定科目": "[accounts]", "部門": "[segments]", "決算": "[settlement]"}
    unit = {"勘定科目": "line", "部門": "line", "決算": "伝票"}
    out = []
    for (column, value), used in sorted(lines.items(), key=lambda kv: (min(kv[1]), kv[0])):
        n, first = len(used), min(used)
        out.append(InputError(name, first, column,
                              f"unmapped {column} {value!r}{' (blank)' if not value else ''}: {n} {unit[column]}"
                              f"{'s' if n > 1 else ''}, first at line {first}; add it to {where[column]} of {mapping.name}"))
    return out


def to_entries(slips: list[Slip], mapping: Mapping, book: Book, name: str, prefix: str) -> Converted:
    """The entries of ``slips``; BookError listing every problem (nothing is half converted)."""
    missing = unmapped(slips, mapping, name)
    if missing:
        raise BookError(missing)
    problems = Problems()
    years = {fy.year: fy for fy in book.fiscal_years}
    entries: list[Entry] = []
    skipped = 0
    for slip in slips:
        kind = mapping.settlement[slip.settlement]
        if kind == "skip":
            skipped += 1
            continue
        kind = next((r.value for r in mapping.kinds if r.memo is not None and r.memo.search(slip.memo)), kind)
        sides = [s for s in slip.sides if s.account not in mapping.ignore]
        postings = _postings(sides, mapping, book)
        entry = Entry(f"{prefix}{slip.line:06d}", slip.date, kind, slip.memo, tuple(postings), slip.line)
        found = entry_problems(entry, book.chart, years)
        for idx, fld, msg in found:
            line = sides[idx].line if 0 <= idx < len(sides) else slip.line
            problems.add(name, line, fld, _source_words(msg, entry, slip))
        if not found:
            entries.append(entry)
    problems.raise_if_any()
    return Converted(entries, skipped)


def _source_words(message: str, entry: Entry, slip: Slip) -> str:
    """An invariant's message, naming the 伝票 as the source does rather than the generated id."""
    label = f"伝票 {slip.number}" if slip.number else f"the 伝票 of line {slip.line}"
    return message.replace(f"entry {entry.id}", label)


def _postings(sides: list[Side], mapping: Mapping, book: Book) -> list[Posting]:
    chart = book.chart
    accounts = [mapping.account(s.account, s.sub) or "" for s in sides]
    out = []
    for i, side in enumerate(sides):
        account = chart.accounts[accounts[i]]
        # the other side of the entry: postings of the opposite sign (every other one for a zero)
        counters = frozenset(a for k, a in enumerate(accounts)
                             if k != i and (side.signed == 0 or (sides[k].signed > 0) != (side.signed > 0)))
        facts = Facts(account.code, side.sub, counters, mapping.segments[side.dept], side.memo)
        flow = _first(mapping.flows, facts, partial(_flow_covers, chart, account))
        partner = _first(mapping.partners, facts, partial(_partner_covers, account))
        out.append(Posting(facts.segment, account.code, side.signed, flow, partner))
    return out


def _flow_covers(chart: Chart, account: Account, rule: Rule) -> bool:
    return flow_fits(chart.flows[rule.value], account)


def _partner_covers(account: Account, rule: Rule) -> bool:
    return account.inter_segment


def _first(rules: tuple[Rule, ...], facts: Facts, covers: Callable[[Rule], bool]) -> str | None:
    """The value of the first rule that applies to the posting. A rule with an ``account`` list
    applies to those accounts; one without, to the accounts ``covers`` says it does."""
    for rule in rules:
        if (rule.accounts is not None or covers(rule)) and rule.matches(facts):
            return rule.value
    return None

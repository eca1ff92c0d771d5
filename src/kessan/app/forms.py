"""Text a person typed (a web form, command-line options) turned into the records the
application takes, read as strictly as the loader reads a journal: dates YYYY-MM-DD, amounts
integer yen (digits and an optional sign; thousands separators allowed here, as people
type them). Every problem is located (the form's line, the field) and reported together
as one BadInput; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..io.files import amount_problem, parse_amount, parse_date
from ..ledger.errors import InputError
from ..ledger.records import DraftEntry, DraftLine, JournalQuery
from .errors import BadInput

FORM = "draft"
SEARCH = "search"
LINE_FIELDS = ("account", "segment", "amount", "flow", "partner")


def _date(text: str, where: str, fld: str, line: int | None, problems: list[InputError]) -> dt.date | None:
    if not text.strip():
        return None
    day = parse_date(text)
    if day is None:
        problems.append(InputError(where, line, fld, f"not a date: {text!r} (write YYYY-MM-DD)"))
    return day


def _amount(text: str, where: str, fld: str, line: int | None, problems: list[InputError]) -> int | None:
    t = text.strip().replace(",", "")
    if not t:
        return None
    value = parse_amount(t)
    if value is None:
        problems.append(InputError(where, line, fld, amount_problem(t)))
    return value


def draft_from_form(date: str, memo: str, lines: Sequence[Mapping[str, str]], *, entry_id: str = "",
                    kind: str = "regular") -> DraftEntry:
    """A draft from an entry form: each line a mapping of account, segment, amount (debit
    positive, credit negative), flow, partner; wholly blank lines are skipped and the others
    numbered as the form shows them (from 1)."""
    problems: list[InputError] = []
    day = _date(date, FORM, "date", None, problems)
    if day is None and not problems:
        problems.append(InputError(FORM, None, "date", "the entry needs a date"))
    out = []
    for n, raw in enumerate(lines, 1):
        values = {f: (raw.get(f) or "").strip() for f in LINE_FIELDS}
        if not any(values.values()):
            continue
        amount = _amount(values["amount"], FORM, "amount", n, problems)
        if amount is None and not values["amount"]:
            problems.append(InputError(FORM, n, "amount", "the line needs an amount"))
        out.append(DraftLine(values["account"], values["segment"], amount or 0, values["flow"] or None,
                             values["partner"] or None))
    if problems:
        raise BadInput("the entry form has problems", problems)
    assert day is not None  # a missing date is a problem above
    return DraftEntry(day, memo.strip(), tuple(out), entry_id.strip() or None, kind.strip() or "regular")


def query_from_form(fields: Mapping[str, str]) -> JournalQuery:
    """A journal search from its form: date_from, date_to, amount_min, amount_max, account,
    segment, memo; blank fields are not conditions."""
    problems: list[InputError] = []

    def text(name: str) -> str:
        return (fields.get(name) or "").strip()

    query = JournalQuery(
        _date(text("date_from"), SEARCH, "date_from", None, problems),
        _date(text("date_to"), SEARCH, "date_to", None, problems),
        _amount(text("amount_min"), SEARCH, "amount_min", None, problems),
        _amount(text("amount_max"), SEARCH, "amount_max", None, problems),
        text("account") or None, text("segment") or None, text("memo") or None)
    if problems:
        raise BadInput("the search form has problems", problems)
    return query

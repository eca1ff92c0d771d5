"""Draft entries and their approval (承認フロー), for every face.

A 会計担当 submits a draft (a form, or a journal file in the loader's format); it is checked
against the same invariants as the loader (per-segment balance, flows on cash and net-asset
accounts, partners on 他事業勘定, known codes, amounts within ±MAX_YEN, a fiscal year that
takes it), each problem located (the form's line, or the file's line and field), and stored
as pending. A 承認者 other than its submitter approves it, which posts it as an entry with
an audit event (so the hash chain covers it) in one transaction, or rejects it with a
reason. ``OpenBook`` (app/service.py) inherits these methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..io import reader
from ..io.files import MAX_YEN, Problems
from ..ledger.errors import InputError
from ..ledger.invariants import entry_problems
from ..ledger.model import Book, Entry, Posting
from ..ledger.records import DRAFT_STATES, Draft, DraftBalance, DraftEntry, DraftLine, SegmentBalance
from ..store import audit, repo
from ..store import drafts as store_drafts
from .errors import BadInput, NotFound, Refused, translated

FORM = "draft"  # what a problem of a submitted form is located in (its lines are numbered from 1)
DRAFT_KINDS = reader.JOURNAL_KINDS


def draft_code(draft_id: int) -> str:
    """The entry code of an approved draft that was submitted without one."""
    return f"DR{draft_id:06d}"


def segment_balances(entry: DraftEntry) -> DraftBalance:
    """借方 and 貸方 per segment (in the order the lines name them) and in total: what an entry
    form shows while it is filled in; balanced when every segment's difference is 0."""
    totals: dict[str, list[int]] = {}
    for ln in entry.lines:
        debit_credit = totals.setdefault(ln.segment, [0, 0])
        debit_credit[0 if ln.amount > 0 else 1] += abs(ln.amount)
    segments = tuple(SegmentBalance(seg, d, c) for seg, (d, c) in totals.items())
    return DraftBalance(segments, sum(s.debit for s in segments), sum(s.credit for s in segments))


def _entry(entry: DraftEntry, code: str) -> Entry:
    postings = tuple(Posting(ln.segment.strip(), ln.account.strip(), ln.amount, (ln.flow or "").strip() or None,
                             (ln.partner or "").strip() or None) for ln in entry.lines)
    return Entry(code, entry.date, entry.kind, entry.memo.strip(), postings)


def _clean(entry: DraftEntry) -> DraftEntry:
    """A form's entry as it is stored: codes and memo without surrounding blanks, blank as none."""
    e = _entry(entry, entry.entry_id or "")
    lines = tuple(DraftLine(p.account, p.segment, p.amount, p.flow, p.partner) for p in e.postings)
    return DraftEntry(entry.date, e.memo, lines, (entry.entry_id or "").strip() or None, entry.kind)


def form_problems(entry: DraftEntry, book: Book) -> list[InputError]:
    """Every reason the loader would refuse this entry, located by the form's line (from 1)."""
    out: list[InputError] = []
    if entry.kind not in DRAFT_KINDS:
        out.append(InputError(FORM, None, "kind", f"unknown entry kind {entry.kind!r} (expected one of "
                                                   f"{', '.join(DRAFT_KINDS)})"))
    if entry.entry_id is not None and len(entry.entry_id) > reader.CODE_LIMIT:
        out.append(InputError(FORM, None, "entry", f"entry id of {len(entry.entry_id)} characters; "
                                                    f"at most {reader.CODE_LIMIT}"))
    for i, ln in enumerate(entry.lines, 1):
        if abs(ln.amount) > MAX_YEN:
            out.append(InputError(FORM, i, "amount", f"amount {ln.amount:,} is beyond ±{MAX_YEN:,} yen, "
                                                     "the largest amount kessan keeps"))
    years = {fy.year: fy for fy in book.fiscal_years}
    for idx, fld, msg in entry_problems(_entry(entry, entry.entry_id or "(draft)"), book.chart, years):
        out.append(InputError(FORM, idx + 1 if idx >= 0 else None, fld, msg))
    return out


class DraftServices:
    """Submit, import, list, approve and reject drafts; mixed into OpenBook."""

    engine: sa.Engine
    code: str
    actor: str

    if TYPE_CHECKING:  # provided by OpenBook
        @property
        def book(self) -> Book: ...

        def _forget(self) -> None: ...

    def segment_balances(self, entry: DraftEntry) -> DraftBalance:
        return segment_balances(entry)

    def submit_draft(self, entry: DraftEntry, *, actor: str | None = None) -> int:
        """Store an entry as a pending draft; BadInput naming every problem (nothing stored)."""
        who = actor or self.actor
        entry = _clean(entry)
        problems = form_problems(entry, self.book)
        with translated("submitting a draft"), self.engine.begin() as conn:
            book_id = repo.book_id(conn, self.code)
            if entry.entry_id and (used := store_drafts.taken(conn, book_id, [entry.entry_id])):
                problems.append(InputError(FORM, None, "entry", f"entry id {entry.entry_id!r} is taken by "
                                                               f"{used[entry.entry_id]}"))
            if problems:
                raise BadInput("the draft was not stored", problems)
            (draft_id,) = store_drafts.insert(conn, book_id, [(entry, FORM)], who)
            audit.record(conn, book_id, audit.Event(who, "draft", f"draft {draft_id} submitted: {entry.date} "
                                                               f"{entry.memo} ({len(entry.lines)} lines)"))
        return draft_id

    def import_drafts(self, path: Path, *, actor: str | None = None) -> tuple[int, ...]:
        """Every entry of a journal file (the loader's format, docs/book-format.md) as a pending
        draft, in one transaction; BadInput naming file, line and field of every problem."""
        who = actor or self.actor
        errors = Problems()
        with translated(f"importing {path.name}"):
            entries = list(reader.iter_journal_file(path, self.book, errors))
        if not entries and not errors.items:
            errors.add(path.name, None, None, "the file holds no entry")
        with translated(f"importing {path.name}"), self.engine.begin() as conn:
            book_id = repo.book_id(conn, self.code)
            used = store_drafts.taken(conn, book_id, [e.id for e in entries])
            for e in entries:
                if e.id in used:
                    errors.add(path.name, e.line, "entry", f"entry id {e.id!r} is taken by {used[e.id]}")
            if errors.items:
                raise BadInput(f"{path.name}: {len(errors.items)} problem(s); no draft was stored", errors.items)
            drafts = [(DraftEntry(e.date, e.memo, tuple(DraftLine(p.account, p.segment, p.amount, p.flow, p.partner)
                                                        for p in e.postings), e.id, e.kind), f"{path.name}:{e.line}")
                      for e in entries]
            ids = store_drafts.insert(conn, book_id, drafts, who)
            audit.record(conn, book_id, audit.Event(who, "draft", f"imported {len(ids)} drafts from {path.name} "
                                                               f"(drafts {ids[0]}–{ids[-1]})"))
        return tuple(ids)

    def drafts(self, status: str | None = "pending") -> list[Draft]:
        """Drafts in ``status`` (pending, approved, rejected; None: all), oldest first."""
        if status is not None and status not in DRAFT_STATES:
            raise BadInput(f"unknown draft status {status!r} (choose from {', '.join(DRAFT_STATES)})")
        with translated("reading the drafts"), self.engine.connect() as conn:
            return store_drafts.read(conn, repo.book_id(conn, self.code), status=status)

    def draft(self, draft_id: int) -> Draft:
        with translated(f"reading draft {draft_id}"), self.engine.connect() as conn:
            found = store_drafts.read(conn, repo.book_id(conn, self.code), draft_id=draft_id)
        if not found:
            raise NotFound(f"no draft {draft_id} in book {self.code!r}")
        return found[0]

    def approve(self, draft_id: int, *, actor: str | None = None) -> str:
        """Post a pending draft as an entry (its audit event makes the hash chain cover it) and
        record the approval, in one transaction; the posted entry's code. Refused when the
        approver submitted it, when it is decided already, or when its year is not OPEN."""
        who = actor or self.actor
        with translated(f"approving draft {draft_id}"), store_drafts.deciding(self.engine, self.code) as (conn, book_id):
            d = self._pending(conn, book_id, draft_id, who, "approve")
            year = next((fy for fy in self.book.fiscal_years if fy.contains(d.entry.date)), None)
            if year is None or year.state != "OPEN":
                state = f"is {year.state}" if year else "is not a fiscal year of the book"
                raise Refused(f"draft {draft_id} was not approved: its date {d.entry.date} {state}; "
                              "only an OPEN year takes approved drafts")
            code = d.entry.entry_id or draft_code(draft_id)
            event = audit.Event(who, "approve", f"draft {draft_id} (submitted by {d.submitted_by}) approved, "
                                               f"posted as {code}")
            (entry_no,) = repo.post_entries_in(conn, self.code, [_entry(d.entry, code)], event)
            store_drafts.decide(conn, draft_id, actor=who, status="approved", reason="", entry_no=entry_no)
        self._forget()
        return code

    def reject(self, draft_id: int, *, actor: str | None = None, reason: str) -> None:
        """Reject a pending draft, saying why; nothing is posted."""
        who = actor or self.actor
        if not reason.strip():
            raise BadInput(f"draft {draft_id} was not rejected: give a reason",
                           [InputError(FORM, None, "reason", "a rejection needs a reason")])
        with translated(f"rejecting draft {draft_id}"), store_drafts.deciding(self.engine, self.code) as (conn, book_id):
            self._pending(conn, book_id, draft_id, who, "reject")
            store_drafts.decide(conn, draft_id, actor=who, status="rejected", reason=reason.strip())
            audit.record(conn, book_id, audit.Event(who, "reject", f"draft {draft_id} rejected: {reason.strip()}"))

    def _pending(self, conn: sa.Connection, book_id: int, draft_id: int, actor: str, verb: str) -> Draft:
        found = store_drafts.read(conn, book_id, draft_id=draft_id)
        if not found:
            raise NotFound(f"no draft {draft_id} in book {self.code!r}")
        d = found[0]
        if d.status != "pending":
            last = d.events[-1]
            raise Refused(f"draft {draft_id} is {d.status} already (by {last.actor} at {last.at:%Y-%m-%d %H:%M})")
        if d.submitted_by == actor:
            raise Refused(f"draft {draft_id} was submitted by {actor}: another person must {verb} it")
        return d

"""Invariants of a journal entry, as pure functions returning problems (field, message).

They are asserted where entries are built (the book reader, reversal) and again on the
stored data by ``kessan check``. Written down:

* E-1  an entry has at least two postings and sums to zero;
* E-2  it sums to zero within every segment (each 事業 is a self-balancing ledger);
* E-3  accounts, segments, flows and partners are known codes;
* E-4  a cash posting carries a flow for the cash-flow statement; so does a net-asset
       posting for the 純資産変動計算書 (opening entries excepted);
* E-5  a 他事業勘定 posting names its partner segment, which is not its own segment;
* E-6  the date lies in a declared fiscal year that is not CLOSED (ADJUSTING admits
       closing entries only);
* E-7  the reserved flow (the flow with role ``net_income``) appears only in closing entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .model import ENTRY_KINDS, NET_INCOME_ROLE, Account, Chart, Entry, FiscalYear, Posting

Problem = tuple[int, str, str]  # (posting index or -1 for the entry, field, message)


def posting_problems(p: Posting, chart: Chart, entry_kind: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    account = chart.accounts.get(p.account)
    if p.segment not in chart.segments:
        out.append(("segment", f"unknown segment {p.segment!r}"))
    if account is None:
        out.append(("account", f"unknown account {p.account!r}"))
    if p.flow is not None:
        flow = chart.flows.get(p.flow)
        if flow is None:
            out.append(("flow", f"unknown flow {p.flow!r}"))
        elif account is not None and not _flow_fits(flow.applies_to, account):
            out.append(("flow", f"flow {p.flow!r} applies to {flow.applies_to}, not to account {account.code}"))
        elif NET_INCOME_ROLE in flow.roles and entry_kind != "closing":
            out.append(("flow", f"flow {p.flow!r} (role {NET_INCOME_ROLE}) is only allowed in closing entries"))
    elif account is not None and entry_kind != "opening":
        if account.cash:
            out.append(("flow", f"missing cash-flow code on cash account {account.code} ({account.name})"))
        elif account.kind == "net_assets":
            out.append(("flow", f"missing flow on net-asset account {account.code} ({account.name})"))
    if p.partner is not None:
        if p.partner not in chart.segments:
            out.append(("partner", f"unknown partner segment {p.partner!r}"))
        elif p.partner == p.segment:
            out.append(("partner", "partner segment equals the posting's own segment"))
    elif account is not None and account.inter_segment:
        out.append(("partner", f"missing partner segment on inter-segment account {account.code} ({account.name})"))
    return out


def _flow_fits(applies_to: str, account: Account) -> bool:
    if applies_to == "any":
        return True
    if applies_to == "cash":
        return account.cash
    if applies_to == "net_assets":
        return account.kind == "net_assets"
    return False


def entry_problems(entry: Entry, chart: Chart, years: dict[int, FiscalYear]) -> list[Problem]:
    """All invariant violations of one entry; empty when the entry may be posted."""
    out: list[Problem] = []
    if entry.kind not in ENTRY_KINDS:
        out.append((-1, "kind", f"unknown entry kind {entry.kind!r} (expected one of {', '.join(ENTRY_KINDS)})"))
    fy = _year_of(entry, years)
    if fy is None:
        out.append((-1, "date", f"date {entry.date.isoformat()} is outside every declared fiscal year"))
    elif fy.state == "CLOSED":
        out.append((-1, "date", f"fiscal year {fy.label} is CLOSED; post a correction in an open year"))
    elif fy.state == "ADJUSTING" and entry.kind != "closing":
        out.append((-1, "kind", f"fiscal year {fy.label} is ADJUSTING: only closing entries may be posted"))
    if len(entry.postings) < 2:
        out.append((-1, "amount", "an entry needs at least two postings"))
    for i, p in enumerate(entry.postings):
        out.extend((i, f, m) for f, m in posting_problems(p, chart, entry.kind))
    out.extend(balance_problems(entry))
    return out


def balance_problems(entry: Entry) -> list[Problem]:
    """E-1 and E-2: the entry and each of its segments sum to zero."""
    per_segment: dict[str, int] = defaultdict(int)
    for p in entry.postings:
        per_segment[p.segment] += p.amount
    out: list[Problem] = []
    total = sum(per_segment.values())
    if total != 0:
        out.append((-1, "amount", f"entry {entry.id} does not balance: debits − credits = {total:,}"))
    for seg, amount in per_segment.items():
        if amount != 0 and total == 0:
            out.append((-1, "amount", f"entry {entry.id} does not balance within segment {seg}: {amount:,} "
                        "(inter-segment amounts go through 他事業勘定)"))
    return out


class FastCheck:
    """A fast yes/no for the common case: is ``entry_problems`` empty for this entry?

    Built once per chart and fiscal years. It answers exactly ``not entry_problems(...)``
    but only as a boolean; when it says no, callers run ``entry_problems`` for the
    messages. Entry dates are mapped to their fiscal year by ``fiscal_year_of``, which
    agrees with ``FiscalYear.contains``.
    """

    __slots__ = ("accounts", "allowed", "closing_only", "segments")

    def __init__(self, chart: Chart, years: dict[int, FiscalYear]):
        self.segments = frozenset(chart.segments)
        # account code -> (needs a flow outside opening entries, is 他事業勘定, flows that apply to it)
        self.accounts = {
            code: (a.cash or a.kind == "net_assets", a.inter_segment,
                   frozenset(fc for fc, f in chart.flows.items() if _flow_fits(f.applies_to, a)))
            for code, a in chart.accounts.items()
        }
        self.closing_only = frozenset(c for c, f in chart.flows.items() if NET_INCOME_ROLE in f.roles)
        # (fiscal year, entry kind) pairs that may be posted
        self.allowed = frozenset((fy.year, kind) for fy in years.values() for kind in ENTRY_KINDS
                                 if fy.state == "OPEN" or (fy.state == "ADJUSTING" and kind == "closing"))

    def ok(self, entry: Entry) -> bool:
        day, kind, postings = entry[1], entry[2], entry[4]
        if ((day.year if day.month >= 4 else day.year - 1), kind) not in self.allowed or len(postings) < 2:
            return False
        segments, accounts, closing_only = self.segments, self.accounts, self.closing_only
        opening = kind == "opening"
        closing = kind == "closing"
        first = postings[0][0]
        first_sum = 0
        others: dict[str, int] | None = None
        for seg, account, amount, flow, partner in postings:
            info = accounts.get(account)
            if info is None or seg not in segments:
                return False
            if flow is None:
                if info[0] and not opening:
                    return False
            elif flow not in info[2] or (flow in closing_only and not closing):
                return False
            if partner is None:
                if info[1]:
                    return False
            elif partner == seg or partner not in segments:
                return False
            if seg == first:
                first_sum += amount
            elif others is None:
                others = {seg: amount}
            else:
                others[seg] = others.get(seg, 0) + amount
        if first_sum:
            return False
        return others is None or not any(others.values())


def _year_of(entry: Entry, years: dict[int, FiscalYear]) -> FiscalYear | None:
    for fy in years.values():
        if fy.contains(entry.date):
            return fy
    return None


def reversal(entry: Entry, new_id: str, date: dt.date, memo: str | None = None) -> Entry:
    """The reversing entry (反対仕訳) of ``entry``: every posting negated, same dimensions."""
    postings = tuple(p._replace(amount=-p.amount) for p in entry.postings)
    kind = "regular" if entry.kind == "opening" else entry.kind
    return Entry(new_id, date, kind, memo or f"取消: {entry.id} {entry.memo}", postings, None, entry.id)

"""The mapping file (MAP.toml, docs/import.md): how a source system's names become the
book's codes, and the rules that give postings what the source does not have (the
cash-flow line, the partner segment of a 他事業勘定, the kind of an entry).

    [import]
    id_prefix = "Y2020-"            # entry ids: prefix + the 伝票's first line number
    ignore_accounts = ["諸口"]      # sides on these names are left out (the entry must still balance)
    [accounts]                      # 勘定科目 or 勘定科目/補助科目 -> account code
    "現金預金" = "101"
    [segments]                      # 部門 -> segment code ("" : a blank 部門)
    "" = "general"
    [settlement]                    # 決算 column -> regular | closing | appropriation | skip
    "" = "regular"
    "本決" = "closing"
    [[flow]]                        # first matching rule wins
    flow = "op.sales"
    account = ["101"]              # the posting's account (default: accounts the flow applies to)
    counter = ["401"]              # an account on the other side of the entry
    memo = "事業収入"               # a regular expression searched in the 摘要
    [[partner]]
    partner = "b"
    account = ["291"]              # default: the book's 他事業勘定 accounts
    sub = ["B事業"]                 # the 補助科目 as written
    [[kind]]
    kind = "appropriation"
    memo = "利益の処分"

Every key is checked: unknown keys, unknown codes and bad patterns are located problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ...ledger.model import Account, Chart, Flow
from ..files import Problems
from ..reader import CODE_LIMIT
from ..tomlfile import KeyLines, Shape, Strings, Table, Tables, Text, parse_toml, read_text

SETTLEMENT_KINDS = ("regular", "closing", "appropriation", "skip")
DEFAULT_SETTLEMENT = {"": "regular", "本決": "closing"}

_CRITERIA: dict[str, Shape] = {"account": Strings(CODE_LIMIT), "sub": Strings(), "counter": Strings(CODE_LIMIT),
                               "segment": Strings(CODE_LIMIT), "memo": Text()}
MAPPING_SHAPE = Table({
    "import": Table({"id_prefix": Text(32), "sheet": Text(), "ignore_accounts": Strings()}),
    "accounts": Table(rest=Text(CODE_LIMIT, nonempty=True)),
    "segments": Table(rest=Text(CODE_LIMIT, nonempty=True)),
    "settlement": Table(rest=Text(choices=SETTLEMENT_KINDS)),
    "flow": Tables(Table({**_CRITERIA, "flow": Text(CODE_LIMIT, nonempty=True)}, required=("flow",))),
    "partner": Tables(Table({**_CRITERIA, "partner": Text(CODE_LIMIT, nonempty=True)}, required=("partner",))),
    "kind": Tables(Table({"memo": Text(), "kind": Text(choices=("regular", "closing", "appropriation"))},
                         required=("kind", "memo"))),
})


class Facts(NamedTuple):
    """What a rule may look at of one posting."""

    account: str  # its account code
    sub: str  # its 補助科目 as written
    counters: frozenset[str]  # the account codes on the other side of its entry
    segment: str  # its segment code
    memo: str  # the 摘要 of its line


@dataclass(frozen=True)
class Rule:
    """A flow, partner or kind rule: its value and what a posting must have for it to apply
    (None: anything)."""

    value: str
    accounts: frozenset[str] | None
    subs: frozenset[str] | None
    counters: frozenset[str] | None
    segments: frozenset[str] | None
    memo: re.Pattern[str] | None

    def matches(self, f: Facts) -> bool:
        return ((self.accounts is None or f.account in self.accounts)
                and (self.subs is None or f.sub in self.subs)
                and (self.counters is None or not self.counters.isdisjoint(f.counters))
                and (self.segments is None or f.segment in self.segments)
                and (self.memo is None or self.memo.search(f.memo) is not None))


@dataclass(frozen=True)
class Mapping:
    name: str
    accounts: dict[str, str]  # 勘定科目 or 勘定科目/補助科目 -> account code
    segments: dict[str, str]  # 部門 -> segment code
    settlement: dict[str, str]  # 決算 column -> kind or "skip"
    flows: tuple[Rule, ...]
    partners: tuple[Rule, ...]
    kinds: tuple[Rule, ...]
    id_prefix: str | None = None
    sheet: str | None = None
    ignore: frozenset[str] = frozenset()

    def account(self, name: str, sub: str) -> str | None:
        """The account of a side: 勘定科目/補助科目 first, then 勘定科目 alone."""
        return self.accounts.get(f"{name}/{sub}") if sub and f"{name}/{sub}" in self.accounts else self.accounts.get(name)


def flow_fits(flow: Flow, account: Account) -> bool:
    """Whether a flow may be put on a posting of ``account`` (as invariant E-4 reads it)."""
    return (flow.applies_to == "any" or (flow.applies_to == "cash" and account.cash)
            or (flow.applies_to == "net_assets" and account.kind == "net_assets"))


def read_mapping(path: Path, chart: Chart, problems: Problems) -> Mapping | None:
    """The mapping file checked against the book's chart; None if it has problems (recorded)."""
    name = path.name
    text = read_text(path, name, problems)
    doc = None if text is None else parse_toml(text, name, problems, MAPPING_SHAPE)
    if doc is None or text is None:
        return None
    before = len(problems.items)
    lines = KeyLines(text)

    def bad(path_: tuple[str | int, ...], message: str) -> None:
        key = next((p for p in reversed(path_) if isinstance(p, str)), None)
        problems.add(name, lines.line(path_), key, message)

    for table, known, what in (("accounts", chart.accounts, "account"), ("segments", chart.segments, "segment")):
        for key, code in doc.get(table, {}).items():
            if code not in known:
                bad((table, key), f"[{table}] {key!r}: unknown {what} {code!r} (not in the book)")
    rules = {kind: [_rule(i, r, kind, chart, bad) for i, r in enumerate(doc.get(kind, []))]
             for kind in ("flow", "partner", "kind")}
    if len(problems.items) > before:
        return None
    opts: dict[str, Any] = doc.get("import", {})
    return Mapping(name, dict(doc.get("accounts", {})), dict(doc.get("segments", {})),
                   dict(doc["settlement"]) if "settlement" in doc else dict(DEFAULT_SETTLEMENT),
                   flows=_kept(rules["flow"]), partners=_kept(rules["partner"]), kinds=_kept(rules["kind"]),
                   id_prefix=opts.get("id_prefix"), sheet=opts.get("sheet"),
                   ignore=frozenset(opts.get("ignore_accounts", ())))


def _kept(rules: list[Rule | None]) -> tuple[Rule, ...]:
    return tuple(r for r in rules if r is not None)


def _rule(i: int, doc: dict[str, Any], kind: str, chart: Chart, bad: Any) -> Rule | None:
    ok = True
    value: str = doc[kind]
    where: tuple[str | int, ...] = (kind, i)
    if kind == "flow" and value not in chart.flows:
        bad((*where, "flow"), f"[[flow]] #{i + 1}: unknown flow {value!r}")
        ok = False
    if kind == "partner" and value not in chart.segments:
        bad((*where, "partner"), f"[[partner]] #{i + 1}: unknown segment {value!r}")
        ok = False
    for key, known in (("account", chart.accounts), ("counter", chart.accounts), ("segment", chart.segments)):
        for code in doc.get(key, ()):
            if code not in known:
                bad((*where, key), f"[[{kind}]] #{i + 1}: unknown {'segment' if key == 'segment' else 'account'} {code!r}")
                ok = False
    pattern = None
    if "memo" in doc:
        try:
            pattern = re.compile(doc["memo"])
        except re.error as exc:
            bad((*where, "memo"), f"[[{kind}]] #{i + 1}: memo is not a regular expression: {exc}")
            ok = False
    if not ok:
        return None

    def members(key: str) -> frozenset[str] | None:
        return frozenset(doc[key]) if key in doc else None

    return Rule(value, members("account"), members("sub"), members("counter"), members("segment"), pattern)

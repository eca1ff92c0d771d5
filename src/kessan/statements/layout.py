"""Statement layouts: parsed from TOML data files (docs/layouts.md), never hard-coded.

A layout lists the published lines of one statement in order. A line is one of:

* a heading: a label and nothing else (no amount);
* an account line: ``accounts`` (codes), optionally restricted by ``flows`` /
  ``exclude_flows`` and measured on a ``basis`` (closing, opening, movement,
  next_appropriation);
* a formula line: ``formula = "a + b - c"`` over line ids of this statement, or
  ``stmt.line`` of another statement.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from ..ledger.errors import BookError, InputError
from ..ledger.model import Chart
from ..ledger.roles import LINE_ROLES, STATEMENT_ROLES, unknown_role
from .formula import parse_formula
from .text import ROUNDING_WORDS, TextLayout, figure_refs, placeholders, text_layout
from .trend import TrendLayout, trend_layout

BASES = ("closing", "opening", "movement", "next_appropriation")


@dataclass(frozen=True)
class Line:
    label: str
    id: str | None = None
    ref: str | None = None  # figure label when it differs from the printed label
    segment_ref: str | None = None  # figure label in the segment table, when it differs
    indent: int = 0
    accounts: tuple[str, ...] = ()
    flows: tuple[str, ...] | None = None
    exclude_flows: tuple[str, ...] = ()
    basis: str = "closing"
    formula: tuple[tuple[int, str], ...] | None = None  # ((+1|-1, ref or literal), ...)
    segment_only: bool = False
    ties_to: str | None = None  # "stmt.line": must equal that figure (a check)
    bold: bool = False
    role_accounts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # schedule lines: role → accounts
    sign: int = 1  # −1 presents a line on the other side, e.g. 減価償却累計額 as a positive amount
    role_inputs: tuple[tuple[str | None, str], ...] = ()  # (role or None, input key): figures from inputs.toml
    mark: str | None = None  # note mark printed after the label (※1): the numbered note it refers to
    zero: str | None = None  # how a zero amount prints on this line: "-" or "" (blank); None: 0
    bracket: bool = False  # amounts printed in brackets, as a memo total: (237,482)
    texts: tuple[tuple[str, str], ...] = ()  # (text column id, template): the line's text cells
    place: str = "outer"  # two-column statements (inner_column): inner, outer or both
    role: str | None = None  # ledger/roles.py LINE_ROLES: what the checks find the line by
    magnitude: bool = False  # shown = "magnitude": printed without its sign (presentation only)

    @property
    def has_amount(self) -> bool:
        return bool(self.accounts) or bool(self.role_accounts) or self.formula is not None or bool(self.role_inputs)

    def input_for(self, role: str | None) -> str | None:
        for r, key in self.role_inputs:
            if r == role:
                return key
        return None

    @property
    def figure_label(self) -> str:
        return self.ref or self.label

    def accounts_for(self, role: str | None) -> tuple[str, ...]:
        """Accounts feeding a column of the given role (schedules), else the line's accounts."""
        for r, codes in self.role_accounts:
            if r == role:
                return codes
        return () if self.role_accounts else self.accounts


@dataclass(frozen=True)
class Column:
    """A measure column of a schedule (附属明細書): 当期首残高, 当期増加額, …

    An account column sums the line's accounts of ``role`` on ``basis`` (restricted to
    ``flows``), times ``sign``; a formula column combines other columns of the same line.
    """

    id: str
    name: str
    role: str | None = None
    basis: str = "closing"
    flows: tuple[str, ...] | None = None
    exclude_flows: tuple[str, ...] = ()
    sign: int = 1
    formula: tuple[tuple[int, str], ...] | None = None
    unit: str | None = None  # "%": the column holds rates in hundredths of a percent (123 = 1.23 %)
    zero: str | None = None  # how a zero amount prints in this column: "-" or "" (blank); None: 0
    text: bool = False  # a text column (返済期限, 交付者): each line's ``texts`` template, no figure
    header: str | None = None  # the printed header when it differs from the name (当期首残高\n(円))
    magnitude: bool = False  # shown = "magnitude": amounts printed without their sign (presentation only)


@dataclass(frozen=True)
class Layout:
    id: str
    title: str
    table: str | None  # figures table name of the whole-organisation statement
    segment_table: str | None  # figures table name of the 事業別 statement
    caption: str  # "as_of" or "period"
    unit: str
    order: int
    lines: tuple[Line, ...]
    entity: bool = True  # whether the whole-organisation statement is published
    budget: bool = False  # budget-vs-actual: columns 予算額, 決算額, 差額 (docs/budget-format.md)
    columns: tuple[str, ...] = ("予算額", "決算額", "差額")  # names of the budget columns
    rounding: str | None = None  # presentation rounding policy (half_up, truncate) for unit 百万円/億円
    measures: tuple[Column, ...] = ()  # schedule columns; empty for one-amount statements
    before: str = ""  # wording printed above the table (a note's sentences), a text template
    after: str = ""  # wording printed below the table
    amount_label: str | None = None  # header of the one amount column, a text template
    zero: str | None = None  # how a zero amount prints in the statement: "-" or "" (blank); None: 0
    unit_after: str | None = None  # the unit follows the amount: "first" (2,185,590,471 円, as a note prints it) or "all"
    show_title: bool = True  # false: the wording (before) says what the table is, so its title is not printed
    segment_title: str | None = None  # title of each per-segment table, e.g. (1) 貸借対照表
    inner_column: str | None = None  # a second, inner amount column (利益の処分: 内訳), by its label
    role: str | None = None  # ledger/roles.py STATEMENT_ROLES: what the checks find the statement by
    file: str = ""  # the layout file that declares it (layouts/NAME.toml), for messages
    # budget statements (docs/layouts.md): neutral by default, the example sets its own
    note_mark_prefix: str = ""  # "注": marks 注1, 注2 printed once as (注1、2); "": as (注1、注2)
    cited_unit: str | None = None  # the unit of amounts cited in 主な理由 (default: the statement's unit)
    cited_rounding: str | None = None  # half_up or truncate (default: the statement's rounding, else half_up)

    def line_with(self, role: str) -> Line | None:
        """The line that declares ``role``, or None."""
        return next((ln for ln in self.lines if ln.role == role), None)

    @property
    def templates(self) -> tuple[tuple[str, str], ...]:
        """(field, template) of every text of the layout: its wording, amount header and text cells."""
        lines = tuple((f"line {ln.label}: texts.{cid}", t) for ln in self.lines for cid, t in ln.texts)
        own = (("before", self.before), ("after", self.after), ("amount_label", self.amount_label or ""))
        return tuple((f, t) for f, t in own if t) + lines

    @property
    def amount_measures(self) -> tuple[Column, ...]:
        """The measure columns that hold figures (text columns left out)."""
        return tuple(c for c in self.measures if not c.text)

    @property
    def per_segment_tables(self) -> bool:
        """A segment table pattern like 概要_{segment}_貸借対照表 makes one table per segment."""
        return self.segment_table is not None and "{segment}" in self.segment_table

    def line(self, line_id: str) -> Line:
        for ln in self.lines:
            if ln.id == line_id:
                return ln
        raise KeyError(f"{self.id}.{line_id}")


def parse_layout(name: str, text: str, chart: Chart) -> Layout:
    """Parse one layout file; raise BookError naming the file and the offending line."""
    return _layout(name, tomllib.loads(text), chart)


def _layout(name: str, doc: dict[str, Any], chart: Chart) -> Layout:
    file = f"layouts/{name}"
    errors: list[InputError] = []
    st = doc.get("statement", {})
    default_basis = st.get("basis", "closing")
    default_exclude = tuple(st.get("exclude_flows", ()))
    lines: list[Line] = []
    ids: set[str] = set()
    for i, raw in enumerate(doc.get("line", []), 1):
        where = f"line #{i} ({raw.get('label', '?')})"
        label = raw.get("label")
        if not isinstance(label, str):
            errors.append(InputError(file, None, "label", f"{where}: missing label"))
            continue
        raw_accounts = raw.get("accounts", ())
        role_accounts: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if isinstance(raw_accounts, dict):
            role_accounts = tuple((role, tuple(codes)) for role, codes in raw_accounts.items())
            accounts: tuple[str, ...] = ()
            every = [a for _, codes in role_accounts for a in codes]
        else:
            accounts = tuple(raw_accounts)
            every = list(accounts)
        for a in every:
            if a not in chart.accounts:
                errors.append(InputError(file, None, "accounts", f"{where}: unknown account {a!r}"))
        flows = raw.get("flows")
        for f in (flows or []) + list(raw.get("exclude_flows", [])):
            if f not in chart.flows:
                errors.append(InputError(file, None, "flows", f"{where}: unknown flow {f!r}"))
        basis = raw.get("basis", default_basis)
        if basis not in BASES:
            errors.append(InputError(file, None, "basis", f"{where}: unknown basis {basis!r}"))
        formula = _formula(raw, file, where, errors)
        if raw.get("id"):
            if raw["id"] in ids:
                errors.append(InputError(file, None, "id", f"{where}: duplicate line id {raw['id']!r}"))
            ids.add(raw["id"])
        lines.append(Line(
            label=label, id=raw.get("id"), ref=raw.get("ref"), segment_ref=raw.get("segment_ref"),
            indent=int(raw.get("indent", 0)), accounts=accounts,
            flows=tuple(flows) if flows is not None else None,
            exclude_flows=tuple(raw.get("exclude_flows", default_exclude)), basis=basis, formula=formula,
            segment_only=bool(raw.get("segment_only", False)), ties_to=raw.get("ties_to"),
            bold=bool(raw.get("bold", False)), role_accounts=role_accounts, sign=int(raw.get("sign", 1)),
            role_inputs=_inputs(raw.get("inputs")), mark=raw.get("mark"), zero=_zero(raw, file, where, errors),
            bracket=bool(raw.get("bracket", False)), texts=tuple((raw.get("texts") or {}).items()),
            place=raw.get("place", "outer"), role=raw.get("role"), magnitude=raw.get("shown") == "magnitude",
        ))
        if lines[-1].place not in PLACES:
            errors.append(InputError(file, None, "place", f"{where}: place must be one of {', '.join(PLACES)}"))
    for ln in lines:
        for _, term in ln.formula or ():
            if not term.isdigit() and "." not in term and term not in ids:
                errors.append(InputError(file, None, "formula", f"line {ln.label}: unknown line id {term!r}"))
    measures = _columns(doc, chart, file, errors)
    text_ids = {c.id for c in measures if c.text}
    for ln in lines:
        for cid, _ in ln.texts:
            if cid not in text_ids:
                errors.append(InputError(file, None, "texts",
                                         f"line {ln.label}: {cid!r} is not a text column ([[column]] text = true)"))
    if "id" not in st:
        errors.append(InputError(file, None, "id", "[statement] needs an id"))
    for word in sorted({w for w in placeholders(st.get("before", "") + st.get("after", "")) if w in ROUNDING_WORDS}):
        if st.get("rounding") is None or st.get("unit", "円") == "円":
            errors.append(InputError(file, None, "rounding",
                                     f"${{{word}}} names the statement's rounding: [statement] needs a unit and a rounding"))
    if st.get("unit_after") not in (None, "first", "all"):
        errors.append(InputError(file, None, "unit_after", "[statement] unit_after must be \"first\" or \"all\""))
    if errors:
        raise BookError(errors)
    return Layout(
        id=st["id"], title=st.get("title", st["id"]), table=st.get("table"), segment_table=st.get("segment_table"),
        caption=st.get("caption", "period"), unit=st.get("unit", "円"), order=int(st.get("order", 100)),
        lines=tuple(lines), entity=bool(st.get("entity", True)), budget=bool(st.get("budget", False)),
        columns=tuple(st.get("columns", ("予算額", "決算額", "差額"))), rounding=st.get("rounding"),
        measures=measures, before=st.get("before", ""), after=st.get("after", ""), amount_label=st.get("amount_label"),
        zero=_zero(st, file, "[statement]", errors), unit_after=st.get("unit_after"), show_title=bool(st.get("show_title", True)),
        segment_title=st.get("segment_title"), inner_column=st.get("inner_column"), file=file,
        role=st.get("role"), note_mark_prefix=st.get("note_mark_prefix", ""),
        cited_unit=st.get("cited_unit"), cited_rounding=st.get("cited_rounding"),
    )


ZEROS = ("-", "", "0")  # how a zero amount may print: a dash, a blank cell, or a bare 0 (a rate of 0.00)
PLACES = ("inner", "outer", "both")


def _zero(raw: dict[str, Any], file: str, where: str, errors: list[InputError]) -> str | None:
    zero = raw.get("zero")
    if zero is not None and zero not in ZEROS:
        errors.append(InputError(file, None, "zero", f"{where}: zero must be \"-\", \"\" (blank) or \"0\", got {zero!r}"))
        return None
    return zero


def _inputs(raw: str | dict[str, str] | None) -> tuple[tuple[str | None, str], ...]:
    """``inputs = "key"`` (the line's amount) or ``inputs = { role = "key" }`` (a schedule column)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return ((None, raw),)
    return tuple((role, key) for role, key in raw.items())


def _formula(raw: dict[str, Any], file: str, where: str, errors: list[InputError]) -> tuple[tuple[int, str], ...] | None:
    """The parsed ``formula`` of a line or column, or None; a syntax error is recorded."""
    if "formula" not in raw:
        return None
    try:
        return parse_formula(raw["formula"])
    except ValueError as exc:
        errors.append(InputError(file, None, "formula", f"{where}: {exc}"))
        return None


def _columns(doc: dict[str, Any], chart: Chart, file: str, errors: list[InputError]) -> tuple[Column, ...]:
    out: list[Column] = []
    ids = {c.get("id") for c in doc.get("column", [])}
    seen: set[str] = set()
    for i, raw in enumerate(doc.get("column", []), 1):
        where = f"column #{i} ({raw.get('name', '?')})"
        if not raw.get("id") or not raw.get("name"):
            errors.append(InputError(file, None, "column", f"{where}: needs id and name"))
            continue
        if raw["id"] in seen:
            errors.append(InputError(file, None, "id", f"{where}: duplicate column id {raw['id']!r}"))
        seen.add(raw["id"])
        formula = _formula(raw, file, where, errors)
        if formula is not None:
            for _, term in formula:
                if not term.isdigit() and term not in ids:
                    errors.append(InputError(file, None, "formula", f"{where}: unknown column {term!r}"))
        for f in list(raw.get("flows", []) or []) + list(raw.get("exclude_flows", [])):
            if f not in chart.flows:
                errors.append(InputError(file, None, "flows", f"{where}: unknown flow {f!r}"))
        basis = raw.get("basis", "closing")
        if basis not in BASES:
            errors.append(InputError(file, None, "basis", f"{where}: unknown basis {basis!r}"))
        flows = raw.get("flows")
        out.append(Column(raw["id"], raw["name"], raw.get("role"), basis, tuple(flows) if flows is not None else None,
                          tuple(raw.get("exclude_flows", ())), int(raw.get("sign", 1)), formula, raw.get("unit"),
                          _zero(raw, file, where, errors), bool(raw.get("text", False)), raw.get("header"),
                          raw.get("shown") == "magnitude"))
        if raw.get("unit") not in (None, "%"):
            errors.append(InputError(file, None, "unit", f"{where}: unknown unit {raw.get('unit')!r} (expected \"%\")"))
    return tuple(out)


def parse_layouts(layouts: tuple[tuple[str, str], ...], chart: Chart) -> list[Layout]:
    """The statement layouts of a book (trend and text layouts left out), in order."""
    return list(parse_book_layouts(layouts, chart).statements)


@dataclass(frozen=True)
class BookLayouts:
    """Every layout file of a book, each parsed once: statements, 推移 tables, text statements."""

    statements: tuple[Layout, ...]
    trends: tuple[TrendLayout, ...]
    texts: tuple[TextLayout, ...]

    def kind_of(self, statement: str) -> str | None:
        """statement, segments (it has a 事業別 table), trend or text; None if unknown."""
        for lay in self.statements:
            if lay.id == statement:
                return "segments" if lay.segment_table else "statement"
        if any(t.id == statement for t in self.trends):
            return "trend"
        if any(t.id == statement for t in self.texts):
            return "text"
        return None


def parse_book_layouts(layouts: tuple[tuple[str, str], ...], chart: Chart) -> BookLayouts:
    """Parse every layout file once; raise BookError with every problem, each naming its file."""
    errors: list[InputError] = []
    statements: list[Layout] = []
    trends: list[TrendLayout] = []
    texts: list[TextLayout] = []
    files: dict[str, str] = {}  # statement id → the file that declares it
    for name, text in layouts:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            errors.append(InputError(f"layouts/{name}", None, None, f"malformed TOML: {exc}"))
            continue
        kind = doc.get("statement", {}).get("kind")
        try:
            if kind == "trend":
                trends.append(trend_layout(name, doc))
            elif kind == "text":
                texts.append(text_layout(name, doc))
            else:
                statements.append(_layout(name, doc, chart))
        except BookError as exc:
            errors.extend(exc.errors)
            continue
        sid = doc["statement"]["id"]
        if sid in files:
            errors.append(InputError(f"layouts/{name}", None, "id", f"statement id {sid!r} is also declared in "
                                     f"layouts/{files[sid]}"))
        files.setdefault(sid, name)
    if not errors:
        errors += _reference_problems(statements, trends, files)
        errors += _role_problems(statements)
        errors += _cycle_problems(statements)
    if errors:
        raise BookError(errors)
    statements.sort(key=lambda lay: (lay.order, lay.id))
    trends.sort(key=lambda t: t.order)
    texts.sort(key=lambda t: t.order)
    return BookLayouts(tuple(statements), tuple(trends), tuple(texts))


def _cycle_problems(statements: list[Layout]) -> list[InputError]:
    """A formula that refers to itself, or formulas that refer to each other in a circle
    (across statements too), is an error naming each cycle once: evaluated, its figure
    would take the term it waits for as 0 and print a wrong amount without a word."""
    where: dict[str, tuple[Layout, Line]] = {}
    edges: dict[str, list[str]] = {}
    for lay in statements:
        for ln in lay.lines:
            if ln.id and ln.formula:
                node = f"{lay.id}.{ln.id}"
                where[node] = (lay, ln)
                edges[node] = [term if "." in term else f"{lay.id}.{term}" for _, term in ln.formula
                               if not term.isdigit()]
    errors: list[InputError] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in edges:
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(node) == 2:
                    continue
                state[node] = 1
                path.append(node)
            following = edges.get(node, [])
            if i < len(following):
                stack.append((node, i + 1))
                nxt = following[i]
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt):], nxt]
                    lay, ln = where[nxt]
                    what = "refers to itself" if len(cycle) == 2 else "is part of a cycle: " + " → ".join(cycle)
                    errors.append(InputError(lay.file, None, "formula", f"line {ln.label}: the formula {what}"))
                elif state.get(nxt) != 2:
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    for lay in statements:  # schedule columns computed from columns of the same line
        cols = {c.id: [term for _, term in c.formula or () if not term.isdigit()] for c in lay.measures}
        for cid, terms in cols.items():
            seen, todo = set(), list(terms)
            while todo:
                term = todo.pop()
                if term == cid:
                    errors.append(InputError(lay.file, None, "formula", f"column {cid}: its formula refers to itself"
                                             " (directly or through other columns)"))
                    break
                if term not in seen:
                    seen.add(term)
                    todo += cols.get(term, [])
    return errors


def _role_problems(statements: list[Layout]) -> list[InputError]:
    """Statement and line roles must be in the vocabulary, each held once in the book."""
    errors: list[InputError] = []
    held: dict[str, str] = {}  # role → where it is held
    for lay in statements:
        found = [("[statement]", "role", lay.role, STATEMENT_ROLES)] if lay.role else []
        found += [(f"line {ln.label}", "role", ln.role, LINE_ROLES) for ln in lay.lines if ln.role]
        for where, field, role, vocabulary in found:
            assert role is not None
            if role not in vocabulary:
                errors.append(InputError(lay.file, None, field, f"{where}: {unknown_role(role, vocabulary)}"))
            elif role in held:
                errors.append(InputError(lay.file, None, field, f"{where}: role {role!r} is already held by {held[role]}"))
            else:
                held[role] = f"{where} of {lay.file}"
    return errors


def _reference_problems(statements: list[Layout], trends: list[TrendLayout], files: dict[str, str]) -> list[InputError]:
    """Every reference to another statement's line (``stmt.line`` in a formula, ``ties_to``, a
    trend's ``measure``) must name a line of a statement layout, so that no figure is asked for
    a line that does not exist (found here, with its file, rather than when a report is built)."""
    lines = {lay.id: {ln.id for ln in lay.lines if ln.id} for lay in statements}
    errors: list[InputError] = []

    def check(file: str, where: str, field: str, terms: tuple[tuple[int, str], ...], own: str | None) -> None:
        for _, term in terms:
            if term.isdigit():
                continue
            stmt, _, line = term.rpartition(".")
            stmt = stmt or own or ""
            if stmt not in lines:
                errors.append(InputError(file, None, field, f"{where}: {term!r}: no statement {stmt!r}"))
            elif line not in lines[stmt]:
                errors.append(InputError(file, None, field, f"{where}: {term!r}: no line {line!r} in {stmt}"))

    for lay in statements:
        file = f"layouts/{files[lay.id]}"
        for ln in lay.lines:
            check(file, f"line {ln.label}", "formula", tuple(t for t in ln.formula or () if "." in t[1]), None)
            if ln.ties_to is not None:
                if not ln.has_amount:
                    errors.append(InputError(file, None, "ties_to", f"line {ln.label}: a line without an amount ties to nothing"))
                    continue
                try:
                    ties = parse_formula(ln.ties_to)
                except ValueError as exc:
                    errors.append(InputError(file, None, "ties_to", f"line {ln.label}: {exc}"))
                    continue
                check(file, f"line {ln.label}", "ties_to", ties, lay.id)
    for trend in trends:
        check(f"layouts/{files[trend.id]}", "[statement]", "measure", trend.measure, None)
    for lay in statements:  # a figure cited in a sentence must be a line with an amount
        for field_name, template in lay.templates:
            check(f"layouts/{files[lay.id]}", field_name, "template", tuple((1, ref) for ref in figure_refs(template)), None)
    return errors

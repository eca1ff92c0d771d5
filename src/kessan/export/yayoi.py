"""The year as a 弥生インポート形式 file (Shift_JIS / cp932, CRLF, no header) and the mapping
that reads it back into a book with the same chart (``kessan import --format yayoi``).

Each entry is one 伝票: an entry of one debit and one credit is one line (識別フラグ 2000);
a larger one pairs its debits and credits line by line (2110 first, 2100 middle, 2101 last;
a side left over is blank with amount 0, as the format asks). 勘定科目 is the account's name,
部門 the segment's, 補助科目 the flow's name and/or the partner segment's name (joined by
／) so the mapping can give them back; closing entries are 本決 in the 決算 column; the
entry's id is kept in 仕訳メモ. Opening entries are not written (弥生 keeps 前期繰越残高 apart
from its journal). Text cells are neutralised so that no spreadsheet runs them as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import re
from itertools import zip_longest

from ..io.interop.readers import FIRST, LAST, MIDDLE, SINGLE, YAYOI_COLUMNS
from ..ledger.model import Book, Entry, Posting
from ..report.figures import csv_text
from .model import ExportError, labels

JOIN = "／"  # between a flow's and a partner's name in 補助科目
TAX = "対象外"


class _Labels:
    def __init__(self, book: Book):
        chart = book.chart
        self.accounts = labels({c: a.name for c, a in chart.accounts.items()})
        self.segments = labels({c: s.name for c, s in chart.segments.items()})
        self.flows = labels({c: f.name for c, f in chart.flows.items()})

    def sub(self, p: Posting) -> str:
        parts = [self.flows[p.flow]] if p.flow else []
        if p.partner:
            parts.append(self.segments[p.partner])
        return JOIN.join(parts)

    def side(self, p: Posting | None) -> list[str]:
        """勘定科目, 補助科目, 部門, 税区分, 金額, 税金額 of one side (blank: amount 0)."""
        if p is None:
            return ["", "", "", "", "0", ""]
        return [self.accounts[p.account], self.sub(p), self.segments[p.segment], TAX, str(abs(p.amount)), "0"]


def yayoi_rows(book: Book, entries: list[Entry]) -> list[list[str]]:
    names = _Labels(book)
    rows: list[list[str]] = []
    number = 0
    for e in entries:
        if e.kind == "opening":
            continue
        number += 1
        debits = [p for p in e.postings if p.amount >= 0]
        credits = [p for p in e.postings if p.amount < 0]
        pairs = list(zip_longest(debits, credits))
        for k, (dr, cr) in enumerate(pairs):
            if len(pairs) == 1:
                flag = SINGLE
            else:
                flag = FIRST if k == 0 else LAST if k == len(pairs) - 1 else MIDDLE
            rows.append([flag, str(number), "本決" if e.kind == "closing" else "", e.date.strftime("%Y/%m/%d"),
                         *names.side(dr), *names.side(cr), csv_text(e.memo), "", "", "0", "", csv_text(e.id),
                         "0", "0", "no"])
    return rows


def yayoi_bytes(book: Book, entries: list[Entry]) -> bytes:
    """The file's bytes; ExportError naming the entry if a text has no Shift_JIS form."""
    rows = yayoi_rows(book, entries)
    out = io.BytesIO()
    for row in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow([csv_text(c) if k in _TEXT else c for k, c in enumerate(row)])
        try:
            out.write(buf.getvalue().encode("cp932"))
        except UnicodeEncodeError as exc:
            bad = buf.getvalue()[exc.start:exc.end]
            raise ExportError(f"entry {row[21]}: {bad!r} has no Shift_JIS (cp932) form; the 弥生 format cannot hold it "
                              "(change the text, or export as csv, beancount or ledger)") from exc
    assert len(YAYOI_COLUMNS) == 25
    return out.getvalue()


_TEXT = frozenset({4, 5, 6, 10, 11, 12})  # names: neutralised (the memo and id already are)


def yayoi_mapping(book: Book, entries: list[Entry], id_prefix: str) -> str:
    """The mapping file (docs/import.md) that imports the ``yayoi_bytes`` of ``entries`` back
    into a book with the same chart: names to codes, and one flow and partner rule for each
    補助科目 the file gives."""
    names = _Labels(book)
    chart = book.chart
    used = [p for e in entries if e.kind != "opening" for p in e.postings]
    q = json.dumps  # a TOML basic string is a JSON string here (no control characters in names)
    out = ["# written by kessan export --format yayoi: reads the export back into the book "
           f"{q(book.code, ensure_ascii=False)}", "",
           "[import]", f"id_prefix = {q(id_prefix)}", "",
           "[accounts]"]
    out += [f"{q(names.accounts[c], ensure_ascii=False)} = {q(c)}" for c in chart.accounts if any(p.account == c for p in used)]
    out += ["", "[segments]"]
    out += [f"{q(names.segments[c], ensure_ascii=False)} = {q(c)}" for c in chart.segments]
    out += ["", "[settlement]", '"" = "regular"', '"本決" = "closing"', ""]
    rules: dict[tuple[str, str, str], str] = {}
    for p in used:
        if p.flow:
            rules.setdefault(("flow", p.account, names.sub(p)), p.flow)
        if p.partner:
            rules.setdefault(("partner", p.account, names.sub(p)), p.partner)
    for (kind, account, sub), value in rules.items():
        out += [f"[[{kind}]]", f"{kind} = {q(value)}", f"account = [{q(account)}]",
                f"sub = [{q(csv_text(sub), ensure_ascii=False)}]", ""]
    for e in entries:
        if e.kind == "appropriation":
            out += ["[[kind]]", 'kind = "appropriation"',
                    f"memo = {q('^' + re.escape(csv_text(e.memo)) + '$', ensure_ascii=False)}", ""]
    return "\n".join(out)

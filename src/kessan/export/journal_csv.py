"""The year in kessan's own journal layout (docs/book-format.md, journal.csv): one row per
posting, the entry's date, kind and memo on its first row. UTF-8, text cells neutralised so
that no spreadsheet runs them as formulas. Opening entries are written with kind 'opening'
(a book directory keeps them in opening.csv)."""

from __future__ import annotations

import csv
import io

from ..io.reader import JOURNAL_COLUMNS
from ..ledger.model import Entry
from ..report.figures import csv_text


def journal_csv(entries: list[Entry]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(JOURNAL_COLUMNS)
    for e in entries:
        for k, p in enumerate(e.postings):
            head = [e.date.isoformat(), e.kind, csv_text(e.memo)] if k == 0 else ["", "", ""]
            w.writerow([csv_text(e.id), *head, csv_text(p.segment), csv_text(p.account), p.amount,
                        csv_text(p.flow or ""), csv_text(p.partner or "")])
    return buf.getvalue()

"""A year's journal written out for other tools (docs/import.md, "Exports"): the 弥生
インポート形式 (Shift_JIS, CRLF), beancount, ledger/hledger, and kessan's own journal CSV.

Writers are pure: they take the book, the year's entries (and, for the plain-text
ledgers, the balances brought forward) and return the bytes of the file. The application
reads the entries from the store and writes the file into place.
"""

from __future__ import annotations

from .beancount import beancount_text
from .journal_csv import journal_csv
from .ledger import ledger_text
from .model import Brought, ExportError
from .yayoi import yayoi_bytes, yayoi_mapping

FORMATS = ("yayoi", "beancount", "ledger", "csv")

__all__ = ["FORMATS", "Brought", "ExportError", "beancount_text", "journal_csv", "ledger_text", "yayoi_bytes",
           "yayoi_mapping"]

"""Journals of other systems read into kessan entries (docs/import.md).

A reader turns a file of one format (弥生インポート形式, freee and MoneyForward 仕訳帳 CSV, a
generic CSV or .xlsx journal) into 伝票 (``Slip``): dates, sides and amounts as written, with
their lines. ``convert`` then maps names to the book's codes through a mapping file and
builds entries that hold every invariant a loaded journal holds. Nothing here writes: the
application posts the entries in one transaction.
"""

from __future__ import annotations

from .convert import Converted, to_entries
from .mapping import Mapping, read_mapping
from .readers import FORMATS, read_slips
from .slips import Side, Slip

__all__ = ["FORMATS", "Converted", "Mapping", "Side", "Slip", "read_mapping", "read_slips", "to_entries"]

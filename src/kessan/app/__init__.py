"""The application layer (docs/architecture.md): every face calls these, nothing else."""

from ..ledger.records import (
    Draft,
    DraftBalance,
    DraftEntry,
    DraftEvent,
    DraftLine,
    EntryDetail,
    FigureLink,
    JournalQuery,
    PostingPage,
    PostingRow,
    SegmentBalance,
)
from .book_dir import BookDir, read_book_dir
from .errors import AppError, BadInput, Busy, NotFound, Refused, Unavailable
from .forms import draft_from_form, query_from_form
from .init import TEMPLATES, Initialised, init_book
from .interop import Balance, Exported, Imported, write_file
from .journal import figure_key, parse_figure_key
from .service import Closed, Loaded, OpenBook, PeriodChange, PeriodEvent, journal_rows, load, open_book, open_database

__all__ = ["TEMPLATES", "AppError", "BadInput", "BookDir", "Busy", "Closed", "Initialised", "Loaded", "NotFound",
           "OpenBook", "PeriodChange", "PeriodEvent", "Refused", "Unavailable", "init_book", "journal_rows", "load",
           "open_book", "open_database", "read_book_dir"]
__all__ += ["Balance", "Exported", "Imported", "write_file"]
__all__ += ["Draft", "DraftBalance", "DraftEntry", "DraftEvent", "DraftLine", "EntryDetail", "FigureLink",
            "JournalQuery", "PostingPage", "PostingRow", "SegmentBalance", "draft_from_form", "figure_key",
            "parse_figure_key", "query_from_form"]

from . import users  # noqa: E402  (users of the web application: kessan.app.users)
from .service import default_actor  # noqa: E402

__all__ += ["default_actor", "users"]

"""The application layer (docs/architecture.md): every face calls these, nothing else."""

from .book_dir import BookDir, read_book_dir
from .errors import AppError, BadInput, Busy, NotFound, Refused, Unavailable
from .init import TEMPLATES, Initialised, init_book
from .interop import Balance, Exported, Imported, write_file
from .service import Closed, Loaded, OpenBook, PeriodChange, PeriodEvent, journal_rows, load, open_book, open_database

__all__ = ["TEMPLATES", "AppError", "BadInput", "BookDir", "Busy", "Closed", "Initialised", "Loaded", "NotFound",
           "OpenBook", "PeriodChange", "PeriodEvent", "Refused", "Unavailable", "init_book", "journal_rows", "load",
           "open_book", "open_database", "read_book_dir"]
__all__ += ["Balance", "Exported", "Imported", "write_file"]

"""Typed errors of the application layer. Every face (CLI, web, bench, tests) gets these and
nothing else: the CLI maps them to exit codes in one place, the web app to responses.

Exit codes (README): 0 ok, 1 a check or reconciliation failed, 2 bad input or a refused
change, 3 the database is busy (another process holds it; try again).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ..ledger.errors import BookError, InputError, LedgerViolation


class AppError(Exception):
    """A request the application cannot carry out; ``message`` says why in the user's terms."""

    exit_code = 2

    def __init__(self, message: str, problems: list[InputError] | None = None):
        self.message = message
        self.problems = list(problems or [])
        super().__init__("\n".join([message, *(str(p) for p in self.problems)]))


class BadInput(AppError):
    """Input files or arguments that cannot be used; ``problems`` name file, line and field."""


class NotFound(AppError):
    """No such book, statement, fiscal year, revision or entry."""


class Refused(AppError):
    """The ledger or the database refused a change (period lock, immutability, an invariant)."""


class Unavailable(AppError):
    """A part of the system is missing (a native library of the PDF engine, a font)."""


class Busy(AppError):
    """The database is locked by another process."""

    exit_code = 3


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn the lower layers' exceptions into AppErrors; ``what`` names the request."""
    try:
        yield
    except AppError:
        raise
    except BookError as exc:
        raise BadInput(f"{what}: {len(exc.errors)} problem(s); nothing was written", exc.errors) from exc
    except LedgerViolation as exc:
        raise Refused(str(exc)) from exc
    except sa.exc.OperationalError as exc:
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            raise Busy(f"{what}: the database is busy (locked by another process); nothing was written, try again") from exc
        raise Refused(f"{what}: the database refused the change: {exc.orig}") from exc
    except sa.exc.DBAPIError as exc:  # a database guarantee (immutability, period lock) refused the write
        raise Refused(f"{what}: the database refused the change, nothing was written: {exc.orig}") from exc

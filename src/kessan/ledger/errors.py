"""Errors are values with a location; the CLI turns them into exit code 2.

Every input problem names the file, the line and the field, so a user can fix the
source without guessing (README: "bad input gets a clear error").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputError:
    """One problem in one place of a book directory."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


class BookError(Exception):
    """Raised when a book cannot be read or stored; carries every InputError found."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class LedgerViolation(Exception):
    """An invariant of the ledger does not hold (e.g. posting into a closed period)."""

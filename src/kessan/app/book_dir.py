"""A book directory read once: the book, its layouts, budget, history, inputs, registers and
package structure become typed objects when the directory is opened, so a command never
parses a file twice (docs/book-format.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..closing.notes import register_inputs
from ..closing.schedules import lease_schedule
from ..io import reader
from ..io.budget import read_budget
from ..io.history import read_history
from ..io.inputs import InputValue, read_inputs
from ..io.subledgers import read_subledgers
from ..ledger.budget import Budget
from ..ledger.errors import BookError, InputError
from ..ledger.model import Book
from ..ledger.options import closing_options
from ..ledger.subledgers import Subledgers
from ..publish.spec import PublishSpec, read_spec
from ..statements.budget_report import budget_problems
from ..statements.engine import History
from ..statements.layout import BookLayouts, parse_book_layouts
from ..statements.text import text_problems
from .validate import book_problems

PUBLISH_FILE = "publish.toml"


@dataclass(frozen=True)
class BookDir:
    path: Path
    book: Book
    layouts: BookLayouts
    budget: Budget | None
    history: History
    inputs: tuple[InputValue, ...]
    subledgers: Subledgers

    @cached_property
    def spec(self) -> PublishSpec | None:
        """publish.toml, parsed on first use (a book without one can do all but publish)."""
        path = self.path / PUBLISH_FILE
        return read_spec(path) if path.exists() else None


def read_book_dir(path: Path) -> BookDir:
    """Read and validate every file of a book directory but the journal (streamed at load).

    Raises BookError with every problem found, each naming its file, line and field."""
    if not path.is_dir():
        raise BookError([InputError(str(path), None, None, "not a book directory")])
    book = reader.read_book(path)
    layouts = parse_book_layouts(book.layouts, book.chart)  # a bad layout is bad input too
    if problems := book_problems(path, book, layouts):  # across files: cycles, duplicate figures, ...
        raise BookError(problems)
    years = {fy.year for fy in book.fiscal_years}
    budget_lines = {(lay.id, ln.id) for lay in layouts.statements if lay.budget for ln in lay.lines if ln.id}
    budget = read_budget(path, book.chart, years, budget_lines)
    if budget is not None and (problems := budget_problems(budget, list(layouts.statements), book.chart.segments)):
        raise BookError(problems)
    history = read_history(path, book.chart)
    wording = tuple((lay.file, field, template) for lay in layouts.statements for field, template in lay.templates)
    if problems := text_problems(list(layouts.texts), book.settings.get("policies", {}), wording):
        raise BookError(problems)
    subledgers = read_subledgers(path, book.chart, closing_options(book.settings))
    if problems := _lease_problems(subledgers):
        raise BookError(problems)
    inputs = tuple(read_inputs(path, years) + register_inputs(subledgers, book.fiscal_years))
    keys = {key for lay in layouts.statements for ln in lay.lines for _, key in ln.role_inputs}
    if unknown := sorted(keys - {v.key for v in inputs}):
        raise BookError([InputError("inputs.toml", None, "key", f"layouts use input {k!r}, which inputs.toml does not give")
                         for k in unknown])
    return BookDir(path, book, layouts, budget, history, inputs, subledgers)


def _lease_problems(subledgers: Subledgers) -> list[InputError]:
    """A lease whose repayment schedule cannot be drawn up (a fixed payment that does not
    amortise it): the notes need every lease's schedule, so it is bad input like any other."""
    problems = []
    for lease in subledgers.leases:
        try:
            lease_schedule(lease)
        except ValueError as exc:
            problems.append(InputError("subledgers/leases.csv", None, f"lease {lease.lease}", str(exc)))
    return problems

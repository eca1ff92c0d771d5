"""The report model: one set of tables per command, rendered by every output (docs/architecture.md)."""

from .build import DEFAULT_LABELS, ColumnGroup, build_report
from .figures import Figure, figures
from .model import Cell, Column, Derived, FigureId, Presentation, Report, Row, Table

__all__ = ["DEFAULT_LABELS", "Cell", "Column", "ColumnGroup", "Derived", "Figure", "FigureId", "Presentation",
           "Report", "Row", "Table", "build_report", "figures"]

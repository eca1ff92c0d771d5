"""Storing and reading inputs (io/inputs.py)."""

from __future__ import annotations

import sqlalchemy as sa

from ..io.inputs import InputValue
from . import schema as s


def insert_inputs(conn: sa.Connection, book_id: int, inputs: list[InputValue]) -> None:
    if inputs:
        conn.execute(s.input_value.insert(), [{"book_id": book_id, **v._asdict()} for v in inputs])


def read_inputs(conn: sa.Connection, book_id: int, year: int) -> dict[str, InputValue]:
    rows = conn.execute(sa.select(s.input_value).where(s.input_value.c.book_id == book_id, s.input_value.c.year == year))
    return {r.key: InputValue(r.key, r.year, int(r.amount), r.label, r.source) for r in rows}

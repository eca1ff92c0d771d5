"""Inputs (BOOK_DIR/inputs.toml): figures a statement needs that are not ledger balances.

Market data (時価) and memo balances are facts from outside the books; each carries the
source it was taken from, so a reader of a note can trace it like a ledger figure.

    [[input]]
    key = "fv.securities"
    year = 2020
    amount = 199980000
    label = "投資有価証券 時価"
    source = "地方債の当事業年度末における市場価格"
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ..ledger.errors import BookError, InputError
from .files import Problems
from .tomlfile import Int, Table, Tables, Text, read_toml

NAME = "inputs.toml"
# lengths the database keeps (store/schema.py: input_value)
KEY_LIMIT, LABEL_LIMIT = 128, 256
SHAPE = Table({"input": Tables(Table({"key": Text(KEY_LIMIT, nonempty=True), "year": Int(1, 9998), "amount": Int(),
                                      "label": Text(LABEL_LIMIT), "source": Text()}))})


class InputValue(NamedTuple):
    key: str
    year: int
    amount: int
    label: str
    source: str


def read_inputs(root: Path | str, years: set[int]) -> list[InputValue]:
    found = Problems()
    doc = read_toml(Path(root) / NAME, NAME, found, SHAPE, required=False)
    found.raise_if_any()
    if doc is None:  # no inputs.toml
        return []
    errors: list[InputError] = []
    out: list[InputValue] = []
    seen: set[tuple[str, int]] = set()
    for i, raw in enumerate(doc.get("input", []), 1):
        where = f"input #{i} ({raw.get('key', '?')})"
        missing = [k for k in ("key", "year", "amount", "source") if k not in raw]
        if missing:
            errors.append(InputError(NAME, None, missing[0], f"{where}: missing {', '.join(missing)}"))
            continue
        year = raw["year"]
        if year not in years:
            errors.append(InputError(NAME, None, "year", f"{where}: {year} is not a declared fiscal year"))
        elif not raw["source"].strip():
            errors.append(InputError(NAME, None, "source", f"{where}: an input needs its source"))
        elif (raw["key"], year) in seen:
            errors.append(InputError(NAME, None, "key", f"{where}: duplicate input for {year}"))
        else:
            seen.add((raw["key"], year))
            out.append(InputValue(raw["key"], year, raw["amount"], raw.get("label", raw["key"]), raw["source"]))
    if errors:
        raise BookError(errors)
    return out

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

import tomllib
from pathlib import Path
from typing import NamedTuple

from ..ledger.errors import BookError, InputError
from .files import toml_line

NAME = "inputs.toml"


class InputValue(NamedTuple):
    key: str
    year: int
    amount: int
    label: str
    source: str


def read_inputs(root: Path | str, years: set[int]) -> list[InputValue]:
    path = Path(root) / NAME
    if not path.exists():
        return []
    errors: list[InputError] = []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise BookError([InputError(NAME, None, None, f"wrong encoding: not UTF-8 ({exc.reason})")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise BookError([InputError(NAME, toml_line(exc), None, f"malformed TOML: {exc}")]) from exc
    out: list[InputValue] = []
    seen: set[tuple[str, int]] = set()
    for i, raw in enumerate(doc.get("input", []), 1):
        where = f"input #{i} ({raw.get('key', '?')})"
        missing = [k for k in ("key", "year", "amount", "source") if k not in raw]
        if missing:
            errors.append(InputError(NAME, None, missing[0], f"{where}: missing {', '.join(missing)}"))
            continue
        amount, year = raw["amount"], raw["year"]
        if not isinstance(amount, int) or isinstance(amount, bool):
            errors.append(InputError(NAME, None, "amount", f"{where}: amount must be integer yen"))
        elif year not in years:
            errors.append(InputError(NAME, None, "year", f"{where}: {year} is not a declared fiscal year"))
        elif not str(raw["source"]).strip():
            errors.append(InputError(NAME, None, "source", f"{where}: an input needs its source"))
        elif (raw["key"], year) in seen:
            errors.append(InputError(NAME, None, "key", f"{where}: duplicate input for {year}"))
        else:
            seen.add((raw["key"], year))
            out.append(InputValue(raw["key"], year, amount, raw.get("label", raw["key"]), raw["source"]))
    if errors:
        raise BookError(errors)
    return out

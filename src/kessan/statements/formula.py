"""The formula syntax of layouts: ``a + b - c`` over line ids, ``stmt.line`` references and
integer literals (docs/layouts.md)."""

from __future__ import annotations

import re

TOKEN = re.compile(r"\s*(?:(?P<op>[+-])|(?P<num>\d+)|(?P<ref>[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?))")


def parse_formula(text: str) -> tuple[tuple[int, str], ...]:
    terms: list[tuple[int, str]] = []
    sign = 1
    pos = 0
    expect_term = True
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse formula at {text[pos:]!r}")
        pos = m.end()
        if m.group("op"):
            sign = sign * (-1 if m.group("op") == "-" else 1)
            expect_term = True
            continue
        if not expect_term:
            raise ValueError(f"missing operator before {m.group(0).strip()!r}")
        terms.append((sign, m.group("num") or m.group("ref")))
        sign, expect_term = 1, False
    if expect_term:
        raise ValueError("formula ends with an operator or is empty")
    return tuple(terms)

"""Text statements (重要な会計方針 and the like): templates in layout files, filled from the
book's ``[book.policies]`` settings, so the wording follows the book rather than being retyped.

A placeholder is one of (docs/layouts.md):

* ``${name}``: a value of ``[book.policies]``, or a date of the year (``period_start``,
  ``period_end``: 令和2年4月1日, 令和3年3月31日);
* ``${stmt.line}``: a computed figure of a statement line (printed as the table prints it),
  so no number of a sentence is typed in;
* ``${year:key}``: the 和暦 year (令和7年) of an input that holds a calendar year (a register's
  last repayment year, ``lease.due.last``);
* ``${percent:key}``: an input that holds a rate in hundredths of a percent, as a number
  (``aro.rate.max`` 170 → 1.7);
* ``${rounding_step}``, ``${rounding_rule}``: the statement's own presentation, the step its
  amounts are rounded at and how (百万円 under half_up: 10万円, 四捨五入).

    [statement]
    id = "policies"
    kind = "text"
    title = "重要な会計方針"
    template = "有価証券の評価は、${securities_valuation}により行っております。"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ledger.errors import BookError, InputError

PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")
BUILTINS = ("period_start", "period_end")  # filled by the report from the fiscal year
ROUNDING_WORDS = ("rounding_step", "rounding_rule")  # filled from the statement's unit and rounding


def placeholders(template: str) -> list[str]:
    """Every ``${…}`` of a template, in order."""
    return [m.group(1).strip() for m in PLACEHOLDER.finditer(template)]


def policy_names(template: str) -> set[str]:
    """The placeholders that name a [book.policies] value (not a figure, input or built-in)."""
    return {p for p in placeholders(template)
            if "." not in p and ":" not in p and p not in BUILTINS and p not in ROUNDING_WORDS}


def figure_refs(template: str) -> list[str]:
    """The ``stmt.line`` figures a template cites."""
    return [p for p in placeholders(template) if "." in p and ":" not in p]


def fill(template: str, resolve: Callable[[str], str]) -> str:
    """The template with each placeholder replaced by ``resolve(placeholder)``."""
    return PLACEHOLDER.sub(lambda m: resolve(m.group(1).strip()), template)


@dataclass(frozen=True)
class TextLayout:
    id: str
    title: str
    order: int
    template: str
    file: str

    def placeholders(self) -> set[str]:
        return policy_names(self.template)


def text_layouts(layouts: tuple[tuple[str, str], ...]) -> list[TextLayout]:
    out = [text_layout(name, doc) for name, text in layouts
           if (doc := tomllib.loads(text)).get("statement", {}).get("kind") == "text"]
    return sorted(out, key=lambda t: t.order)


def text_layout(name: str, doc: dict[str, Any]) -> TextLayout:
    st = doc.get("statement", {})
    if "id" not in st:
        raise BookError([InputError(f"layouts/{name}", None, "id", "[statement] needs an id")])
    return TextLayout(st["id"], st.get("title", st["id"]), int(st.get("order", 100)), st.get("template", ""),
                      f"layouts/{name}")


def text_problems(layouts: list[TextLayout], policies: dict[str, Any],
                  templates: tuple[tuple[str, str, str], ...] = ()) -> list[InputError]:
    """Every policy placeholder of a text template, or of a statement's wording (``templates``:
    file, field, template), must be given in book.toml [book.policies]."""
    every = [(t.file, "template", t.template) for t in layouts] + list(templates)
    return [InputError(file, None, field, f"${{{p}}} is not set in book.toml [book.policies]")
            for file, field, template in every for p in sorted(policy_names(template)) if p not in policies]


def render(layout: TextLayout, resolve: Callable[[str], str]) -> str:
    return fill(layout.template, resolve)

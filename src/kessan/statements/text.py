"""Text statements (重要な会計方針 and the like): templates in layout files, filled from the
book's ``[book.policies]`` settings, so the wording follows the book rather than being retyped.

    [statement]
    id = "policies"
    kind = "text"
    title = "重要な会計方針"
    template = "有価証券の評価は、${securities_valuation}により行っております。"
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from typing import Any

from ..ledger.errors import BookError, InputError


class _Template(string.Template):
    idpattern = r"[a-z_][a-z0-9_]*"


@dataclass(frozen=True)
class TextLayout:
    id: str
    title: str
    order: int
    template: str
    file: str

    def placeholders(self) -> set[str]:
        return {m.group("braced") or m.group("named") for m in _Template.pattern.finditer(self.template)
                if m.group("braced") or m.group("named")}


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


def text_problems(layouts: list[TextLayout], policies: dict[str, Any]) -> list[InputError]:
    """Every placeholder of a text template must be given in book.toml [book.policies]."""
    return [InputError(t.file, None, "template", f"${{{p}}} is not set in book.toml [book.policies]")
            for t in layouts for p in sorted(t.placeholders()) if p not in policies]


def render(layout: TextLayout, policies: dict[str, Any]) -> str:
    return _Template(layout.template).substitute({k: str(v) for k, v in policies.items()})

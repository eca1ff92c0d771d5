"""`kessan init`: a new organisation's book directory from a template (src/kessan/templates/).

A template is data: book.toml, segments, a chart with the roles the closing needs, flows,
statement layouts, an empty journal, opening balances and registers with one example row
each. It loads, closes, checks and publishes as it is (tests/test_init.py), so a new user
starts from a working book and replaces its contents (docs/new-organisation.md).
"""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .errors import NotFound, Refused

TEMPLATES = ("minimal", "public-corporation")


class Initialised(NamedTuple):
    path: Path
    template: str
    files: tuple[str, ...]  # relative paths written, sorted


def init_book(dest: Path, template: str = "minimal") -> Initialised:
    """Write the template's files into ``dest`` (created; refused if it exists and is not empty).

    The files are copied into a temporary folder beside ``dest`` and moved into place, so an
    interrupted init leaves no half-made book."""
    if template not in TEMPLATES:
        raise NotFound(f"no template {template!r}; the templates are {', '.join(TEMPLATES)}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise Refused(f"{dest} exists and is not an empty folder: `kessan init` writes a new book only")
    source = resources.files("kessan").joinpath("templates", template)
    parent = dest.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".kessan-init-") as tmp:
        staged = Path(tmp) / "book"
        with resources.as_file(source) as folder:
            shutil.copytree(folder, staged, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
        files = tuple(sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()))
        if dest.exists():
            dest.rmdir()  # empty, checked above
        staged.rename(dest)
    return Initialised(dest, template, files)

"""Every TOML file of a book has a declared shape and a key it does not declare is refused:
a typo (``acount``, ``retained_earnings_acount``) is a located error naming file, line and
key, never a value silently ignored and a default used instead (issue 11, item 3)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kessan import app
from kessan.io.tomlfile import Table, shape_problems
from kessan.ledger.errors import BookError

from .conftest import EXAMPLE, MINI

HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
OPEN_TABLES = {"book.policies", "labels"}  # tables whose every key is a value (policies, labels): not typos


def _read_everything(book: Path) -> None:
    """What a command reads before it stores or publishes anything."""
    app.read_book_dir(book).spec  # noqa: B018 -- publish.toml is read on first use


def _tables(root: Path) -> list[tuple[str, int, str]]:
    """(file, line, table name) of the first header of each table name in each TOML file, and
    of the top of each file (line 0: the document's own keys)."""
    out = []
    for path in sorted(root.rglob("*.toml")):
        name = path.relative_to(root).as_posix()
        out.append((name, 0, ""))
        seen = set()
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = HEADER.match(text)
            if m and m.group(1) not in seen and m.group(1) not in OPEN_TABLES:
                seen.add(m.group(1))
                out.append((name, number, m.group(1)))
    return out


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("published", "derivation"))
    return dest


@pytest.mark.parametrize("source", [EXAMPLE, MINI], ids=["example", "mini"])
def test_an_unknown_key_in_any_table_of_any_toml_file_is_refused_with_its_line(source, tmp_path):
    book = _copy(source, tmp_path / "book")
    cases = _tables(book)
    # every kind of file of the book is covered: book, chart, layouts, inputs, publish, budget
    assert {c[0].split("/")[0] for c in cases} >= {"book.toml", "segments.toml", "accounts.toml", "flows.toml", "layouts",
                                                   "publish.toml"}
    if source == EXAMPLE:
        assert {c[0] for c in cases} >= {"inputs.toml", "budget/revisions.toml", "budget/notes.toml"}
    assert len(cases) > 12
    for name, line, table in cases:
        path = book / name
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines(keepends=True)
        lines.insert(line, "zzz_typo = 1\n")  # right after the header (line 0: the top of the file)
        path.write_text("".join(lines), encoding="utf-8")
        with pytest.raises(BookError) as caught:
            _read_everything(book)
        path.write_text(original, encoding="utf-8")
        where = f"{name}:{line + 1} [zzz_typo]"
        assert any(where in str(e) and "unknown key 'zzz_typo'" in str(e) for e in caught.value.errors), \
            (name, table, [str(e) for e in caught.value.errors])
    _read_everything(book)  # every file restored: the book reads again


@pytest.mark.parametrize("file,old,new,fragments", [
    ("accounts.toml", 'kind = "asset"\ncash = true', 'kind = "asset"\nkash = true', ["accounts.toml:{line} [kash]",
                                                                                     "did you mean 'cash'?"]),
    ("book.toml", "report_year = 2020\n", 'report_year = 2020\n\n[book.closing]\ndisposal_year_depreciaton = "monthly"\n',
     ["book.toml:{line} [closing.disposal_year_depreciaton]", "unknown setting 'disposal_year_depreciaton'"]),
    ("layouts/10_bs.toml", 'formula = "cash + receivables"', 'fromula = "cash + receivables"',
     ["layouts/10_bs.toml:{line} [fromula]", "line #4.fromula", "did you mean 'formula'?"]),
    ("publish.toml", 'tables = ["bs"]', 'table = ["bs"]', ["publish.toml:{line} [table]", "section #1.part #1.table"]),
])
def test_a_typo_names_the_file_line_key_and_the_nearest_known_key(mini_dir, file, old, new, fragments):
    path = mini_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(BookError) as caught:
        _read_everything(mini_dir)
    shown = "\n".join(map(str, caught.value.errors))
    typo = fragments[0].split("[", 1)[1].split("]")[0].removeprefix("closing.")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if t.startswith(typo + " ="))
    for fragment in fragments:
        assert fragment.format(line=line) in shown


def test_a_typo_is_exit_2_at_the_command_line_with_no_traceback(mini_dir, tmp_path):
    from typer.testing import CliRunner

    from kessan.cli import app as cli

    path = mini_dir / "segments.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('name = "A事業"', 'nmae = "A事業"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(mini_dir), "--db", f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 2, result.output
    assert "segments.toml:3 [nmae]" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "k.db").exists() or "mini" not in (tmp_path / "k.db").read_bytes().decode("latin-1")


def test_a_table_with_declared_rest_takes_any_key_of_that_shape_and_a_closed_one_none():
    from kessan.io.tomlfile import Int, Text

    open_ = Table({"a": Int()}, rest=Text())
    closed = Table({"a": Int()})
    assert shape_problems({"a": 1, "b": "x"}, open_, "f.toml") == []
    assert shape_problems({"a": 1, "b": 2}, open_, "f.toml")[0].field == "b"
    [problem] = shape_problems({"a": 1, "b": "x"}, closed, "f.toml", "a = 1\nb = 'x'\n")
    assert (problem.file, problem.line, problem.field) == ("f.toml", 2, "b")

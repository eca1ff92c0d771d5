"""`kessan init`: a new organisation's book from a template loads, closes, checks (--strict)
and publishes as it is, and still does with every account and flow code replaced by codes of
the user's choosing (issue 11, item 6)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app

runner = CliRunner()


def _run(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _recode(book: Path, table: str, prefix: str) -> dict[str, str]:
    """Give every [[account]] (or [[flow]]) a new code, everywhere the book names it."""
    name = "accounts.toml" if table == "account" else "flows.toml"
    codes = re.findall(r'^code = "([^"]+)"', (book / name).read_text(encoding="utf-8"), flags=re.M)
    mapping = {old: f"{prefix}-{i:03d}" for i, old in enumerate(codes, 1)}
    for path in book.rglob("*"):
        if path.suffix == ".toml":
            text = path.read_text(encoding="utf-8")
            for old, new in mapping.items():
                text = text.replace(f'"{old}"', f'"{new}"')
            path.write_text(text, encoding="utf-8")
        elif path.suffix == ".csv":
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([[mapping.get(c, c) for c in row] for row in rows])
            path.write_text(buf.getvalue(), encoding="utf-8")
    return mapping


@pytest.mark.parametrize("template", kessan.TEMPLATES)
@pytest.mark.parametrize("recode", [False, True], ids=["as-made", "arbitrary-codes"])
def test_a_new_book_loads_closes_checks_and_publishes(template, recode, db_url, tmp_path):
    book = tmp_path / "new"
    _run(["init", str(book), "--template", template])
    if recode:
        accounts = _recode(book, "account", "勘定")
        flows = _recode(book, "flow", "f")
        assert len(accounts) >= 8 and len(flows) >= 4
        assert not any(f'"{old}"' in (book / "accounts.toml").read_text(encoding="utf-8") for old in accounts)
    _run(["load", str(book), "--db", db_url])
    _run(["close", str(book), "--db", db_url])
    checks = runner.invoke(app, ["check", str(book), "--db", db_url, "--strict"])
    assert checks.exit_code == 0 and " 0 failed" in checks.output, checks.output
    report = _run(["report", "--db", db_url])
    assert "貸借対照表" in report
    out = tmp_path / "out"
    _run(["publish", "--db", db_url, "--spec", str(book / "publish.toml"), "--out", str(out), "--format", "xlsx,html"])
    assert (out / "new-body-2025.xlsx").is_file()


def test_init_makes_every_kind_of_file_and_registers_with_one_row(tmp_path):
    made = kessan.init_book(tmp_path / "pc", "public-corporation")
    assert {"book.toml", "segments.toml", "accounts.toml", "flows.toml", "journal.csv", "publish.toml"} <= set(made.files)
    assert any(f.startswith("layouts/") for f in made.files)
    registers = [f for f in made.files if f.startswith("subledgers/")]
    assert {"subledgers/fixed_assets.csv", "subledgers/leases.csv", "subledgers/provisions.csv", "subledgers/aro.csv"} \
        <= set(registers)
    for name in registers:
        assert len((made.path / name).read_text(encoding="utf-8").splitlines()) == 2, name  # header + one example row
    assert (made.path / "journal.csv").read_text(encoding="utf-8").count("\n") == 1  # an empty journal: its header


def test_init_refuses_a_folder_that_is_not_empty_and_an_unknown_template(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "journal.csv").write_text("keep me", encoding="utf-8")
    refused = runner.invoke(app, ["init", str(tmp_path / "old")])
    assert refused.exit_code == 2 and "not an empty folder" in refused.output
    assert (tmp_path / "old" / "journal.csv").read_text(encoding="utf-8") == "keep me"
    unknown = runner.invoke(app, ["init", str(tmp_path / "x"), "--template", "bank"])
    assert unknown.exit_code == 2 and "minimal, public-corporation" in unknown.output
    assert not (tmp_path / "x").exists()
    (tmp_path / "empty").mkdir()
    assert "created" in _run(["init", str(tmp_path / "empty")])


def test_the_templates_are_package_data():
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"templates/*/layouts/*.toml"' in text and '"templates/*/subledgers/*.csv"' in text

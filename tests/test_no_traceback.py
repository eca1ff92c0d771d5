"""No traceback ever reaches a user: every command, run as a careless user would, against a
catalogue of bad arguments and broken books, ends with a clean message and a documented exit
code (1 a check or reconciliation failed, 2 bad input or a refused change, 3 busy)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kessan.cli import app

from .conftest import MINI

runner = CliRunner()


def _broken_books(tmp: Path) -> dict[str, Path]:
    import shutil

    books = {}

    def copy(name: str) -> Path:
        dest = tmp / name
        shutil.copytree(MINI, dest)
        books[name] = dest
        return dest

    copy("no-journal").joinpath("journal.csv").unlink()
    copy("binary-journal").joinpath("journal.csv").write_bytes(b"\x00\xff\xfe garbage \x00")
    copy("bad-toml").joinpath("book.toml").write_text("[book\ncode = ", encoding="utf-8")
    copy("bad-layout").joinpath("layouts", "10_bs.toml").write_text("[statement]\nid = 3\n[[line]]\nformula = '+'\n",
                                                                     encoding="utf-8")
    copy("huge-amount").joinpath("journal.csv").write_text(
        "entry,date,kind,memo,segment,account,amount,flow,partner\n"
        "J1,2020-05-10,regular,x,a,111,100000000000000000000,op.jigyo,\nJ1,,,,a,411,-100000000000000000000,,\n",
        encoding="utf-8")
    copy("bad-date").joinpath("journal.csv").write_text(
        "entry,date,kind,memo,segment,account,amount,flow,partner\n"
        "J1,2020-02-30,regular,x,a,111,1,op.jigyo,\nJ1,,,,a,411,-1,,\n", encoding="utf-8")
    copy("bad-publish").joinpath("publish.toml").write_text("[[section]]\n[[section.part]]\nid = 'A B'\n", encoding="utf-8")
    return books


def _commands(tmp: Path, books: dict[str, Path]) -> list[list[str]]:
    db = f"sqlite:///{tmp / 'empty.db'}"
    missing = str(tmp / "nope")
    a_file = tmp / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    cmds = [
        ["load", missing, "--db", db], ["load", str(a_file), "--db", db],
        ["report", missing], ["report", str(MINI), "--format", "xml"], ["report", str(MINI), "--statement", "nope"],
        ["report", str(MINI), "--year", "1999"], ["report", str(MINI), "--revision", "nope"],
        ["report", "--db", db], ["report", "--db", "nosuchdriver://x/y"], ["report", "--db", "sqlite:////proc/nope/x.db"],
        ["report", "--db", db, "--book", "nope"],
        ["figures", missing], ["figures", str(a_file)],
        ["reconcile", str(MINI), missing], ["reconcile", str(MINI), str(a_file)],
        ["check", missing], ["check", "--db", db],
        ["chart", str(MINI), "--out", str(tmp / "chart")],  # the mini book has no trend layout
        ["publish", str(MINI), "--out", str(a_file)], ["publish", str(MINI), "--format", "docx"],
        ["publish", "--db", db], ["publish", str(MINI), "--spec", missing],
        ["close", str(MINI)], ["close", "--db", db], ["close", str(MINI), "--db", db, "--year", "1999"],
        ["period", "close", "--db", db], ["period", "close", "--year", "2020", "--db", db],
        ["period", "explode", "--year", "2020", "--db", db],
        ["reverse", "J1", "--id", "R1", "--date", "yesterday", "--db", db],
        ["reverse", "NOPE", "--id", "R1", "--date", "2020-05-01", "--db", db],
        ["drilldown", "nope", "--db", db], ["drilldown", "a|b|c", "--db", db, "--page", "0"],
        ["search", "--from", "yesterday", "--db", db], ["search", "--min", "-1", "--db", db],
        ["search", "--account", "nope", "--csv", "--db", db],
    ]
    for name, book in books.items():
        cmds.append(["publish", str(book), "--out", str(tmp / ("out-" + name)), "--format", "html"])
        if name != "bad-publish":  # a package structure is read only to publish
            cmds += [["load", str(book), "--db", f"sqlite:///{tmp / (name + '.db')}"], ["report", str(book)]]
    return cmds


def test_every_command_fails_cleanly_on_bad_input(tmp_path):
    books = _broken_books(tmp_path)
    failures = []
    for args in _commands(tmp_path, books):
        result = runner.invoke(app, args, env={"COLUMNS": "120"})
        unexpected = result.exception and not isinstance(result.exception, SystemExit)
        text = result.output + (str(result.exception) if unexpected else "")
        clean = (result.exit_code in (1, 2, 3) and "Traceback" not in text and "internal error" not in text
                 and not (result.exception and not isinstance(result.exception, SystemExit)))
        if not clean:
            failures.append(f"kessan {' '.join(args)} → exit {result.exit_code}: {text.strip()[-300:]}")
    assert failures == [], "\n\n".join(failures)


def test_a_busy_database_is_a_clear_message_and_exit_3(tmp_path):
    db = tmp_path / "busy.db"
    assert runner.invoke(app, ["load", str(MINI), "--db", f"sqlite:///{db}"]).exit_code == 0
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        result = runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", f"sqlite:///{db}"],
                               env={"KESSAN_BUSY_TIMEOUT": "0.2"})
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 3, result.output
    assert "busy" in result.output and "Traceback" not in result.output and "[red]" not in result.output


@pytest.mark.parametrize("label", ["[red]error:[/]", "[bold]x[/bold]"])
def test_markup_in_data_is_printed_as_it_is(mini_dir, label):
    text = (mini_dir / "segments.toml").read_text(encoding="utf-8")
    (mini_dir / "segments.toml").write_text(text.replace("A事業", label, 1), encoding="utf-8")
    result = runner.invoke(app, ["report", str(mini_dir), "--statement", "bs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert label in result.output


def test_two_commands_on_a_new_database_at_once(tmp_path):
    """The first use of a new database is safe when two commands start together: one loads the
    book, the other finds it loaded and says so; neither shows a traceback."""
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'new.db'}"
    exe = Path(sys.executable).with_name("kessan")
    procs = [subprocess.Popen([str(exe), "load", str(MINI), "--db", db], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(6)]
    results = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2, 2, 2, 2, 2], results
    assert all("Traceback" not in text and "internal error" not in text for _, text in results)
    # the others find the book loaded, or lose the race to write it and are refused: a message each
    assert all("already loaded" in text or "refused" in text for code, text in results if code == 2)


def test_serve_refuses_a_port_out_of_range_before_it_opens_anything(tmp_path):
    # an out-of-range port was an internal error (OverflowError from bind) after the database was opened
    result = runner.invoke(app, ["serve", "--db", f"sqlite:///{tmp_path / 'k.db'}", "--port", "99999"])
    assert result.exit_code == 2, result.output
    assert "--port" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "k.db").exists()

"""Inputs (時価, memo balances): used by layouts, validated, sourced."""

from __future__ import annotations

from typer.testing import CliRunner

from kessan.cli import app

from .test_bad_input import _counts

runner = CliRunner()

LAYOUT = """
[statement]
id = "note_fv"
title = "時価"
table = "注記_時価"
order = 90

[[column]]
id = "book"
name = "貸借対照表計上額"
role = "book"

[[column]]
id = "fair"
name = "時価"
role = "fair"

[[column]]
id = "diff"
name = "差額"
formula = "fair - book"

[[line]]
id = "receivables"
label = "未収金"
accounts = { book = ["131"] }
inputs = { fair = "fv.receivables" }
"""
INPUT = '[[input]]\nkey = "fv.receivables"\nyear = 2020\namount = 15\nsource = "取引先別の回収見込額"\n'


def test_input_feeds_a_schedule_column(mini_dir):
    (mini_dir / "layouts" / "90_fv.toml").write_text(LAYOUT, encoding="utf-8")
    (mini_dir / "inputs.toml").write_text(INPUT, encoding="utf-8")
    out = runner.invoke(app, ["figures", str(mini_dir)]).stdout
    # the mini book's only receivable is inter-segment, so the organisation's is 0
    assert "注記_時価,未収金,貸借対照表計上額,0" in out
    assert "注記_時価,未収金,時価,15" in out
    assert "注記_時価,未収金,差額,15" in out


def test_input_without_source_or_missing_is_rejected(mini_dir, db_url):
    (mini_dir / "layouts" / "90_fv.toml").write_text(LAYOUT, encoding="utf-8")
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2 and "layouts use input 'fv.receivables'" in result.output
    (mini_dir / "inputs.toml").write_text(INPUT.replace('source = "取引先別の回収見込額"', 'source = " "'), encoding="utf-8")
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2 and "inputs.toml [source]" in result.output
    (mini_dir / "inputs.toml").write_text(INPUT.replace("amount = 15", "amount = 1.5"), encoding="utf-8")
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2 and "inputs.toml:4 [amount]" in result.output
    assert _counts(db_url) == (0, 0, 0)

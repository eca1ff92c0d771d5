"""The command line: formats, exit codes, presentation."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kessan.cli import app
from kessan.ledger.rounding import Rounding, Unit, round_yen
from kessan.render.format import yen

runner = CliRunner()


def test_report_text_shows_triangle_and_separators(mini_dir):
    result = runner.invoke(app, ["report", str(mini_dir)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "1,750" in result.output
    assert "△70" in result.output  # B事業's loss in the segment income statement
    assert "相殺等" in result.output and "合計" in result.output


def test_report_fits_80_columns(mini_dir):
    result = runner.invoke(app, ["report", str(mini_dir)], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_report_json_and_csv(mini_dir):
    result = runner.invoke(app, ["report", str(mini_dir), "--format", "json", "--statement", "pl"])
    doc = json.loads(result.stdout)
    tables = [s["table"] for s in doc["tables"]]
    assert tables == ["損益計算書", "事業別損益計算書"]
    seg = doc["tables"][1]
    net = next(line for line in seg["lines"] if line.get("id") == "net_income")
    assert {k: c["value"] for k, c in net["cells"].items()} == {"A事業": 320, "B事業": -70, "相殺等": 0, "合計": 250}
    assert net["cells"]["A事業"]["source"]["kind"] in ("postings", "formula")
    result = runner.invoke(app, ["report", str(mini_dir), "--format", "csv", "--statement", "cf"])
    assert result.stdout.splitlines()[0] == "table,line,column,value"
    assert "キャッシュ・フロー計算書,その他の営業支出,金額,-50" in result.output


def test_unknown_statement_is_an_input_error(mini_dir):
    result = runner.invoke(app, ["report", str(mini_dir), "--statement", "nope"])
    assert result.exit_code == 2
    assert "no statement 'nope'" in result.output


def test_reconcile_exit_codes(mini_dir, tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_text("table,line,column,value,unit,note\n損益計算書,当期純利益,金額,250,円,\n", encoding="utf-8")
    ok = runner.invoke(app, ["reconcile", str(mini_dir), str(ref)])
    assert ok.exit_code == 0, ok.output
    assert "reconcile: 1 of 1 figures match, 0 differ, 0 missing" in ok.output
    ref.write_text("table,line,column,value\n損益計算書,当期純利益,金額,251\n損益計算書,雑収入,金額,5\n", encoding="utf-8")
    bad = runner.invoke(app, ["reconcile", str(mini_dir), str(ref)])
    assert bad.exit_code == 1
    assert "DIFF    損益計算書,当期純利益,金額: published 251, computed 250" in bad.output
    assert "MISSING 損益計算書,雑収入,金額" in bad.output


def test_check_exit_code_on_sound_book(mini_dir):
    result = runner.invoke(app, ["check", str(mini_dir)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_yen_presentation():
    assert yen(1234567) == "1,234,567"
    assert yen(-1234) == "△1,234"
    assert yen(0) == "0"
    assert yen(-5, triangle=False) == "-5"


def test_rounding_policies_use_integers():
    assert round_yen(1_500_000, Unit.MILLION_YEN, Rounding.HALF_UP) == 2
    assert round_yen(1_499_999, Unit.MILLION_YEN, Rounding.HALF_UP) == 1
    assert round_yen(-1_500_000, Unit.MILLION_YEN, Rounding.HALF_UP) == -2  # 四捨五入 of the magnitude
    assert round_yen(1_999_999, Unit.MILLION_YEN, Rounding.TRUNCATE) == 1
    assert round_yen(-1_999_999, Unit.MILLION_YEN, Rounding.TRUNCATE) == -1
    assert round_yen(23_152_439_985, Unit.MILLION_YEN, Rounding.HALF_UP) == 23_152

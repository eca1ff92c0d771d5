"""Text output: a header's declared line break, on one terminal line, is a space between the
words of a layout's header (as the source prints 当事業年度 (自 令和2年4月1日 至 令和3年3月31日))
and nothing inside a segment's name (本人確認情報処理事業, broken for print only)."""

from __future__ import annotations

from typer.testing import CliRunner

from kessan.cli import app

from .conftest import EXAMPLE

runner = CliRunner()


def _report(statement: str) -> str:
    result = runner.invoke(app, ["report", str(EXAMPLE), "-s", statement], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_layout_header_breaks_into_words():
    out = _report("note_project_costs")
    assert "当事業年度 (自 令和2年4月1日 至 令和3年3月31日)" in out
    assert "貸借対照表 計上額" in _report("note_financial_instruments")


def test_a_segment_name_stays_one_word():
    out = _report("bs")
    assert "本人確認情報処理事業" in out and "本人確認情報 処理事業" not in out

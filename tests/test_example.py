"""The example book reproduces every published figure of the seven statements to the yen."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kessan import checks
from kessan.cli import app
from kessan.report.figures import figures, read_reference, reconcile

from .conftest import EXAMPLE, PUBLISHED

SEVEN = ["貸借対照表", "損益計算書", "利益の処分", "純資産変動計算書", "キャッシュ・フロー計算書",
         "事業別貸借対照表", "事業別損益計算書"]
runner = CliRunner()


@pytest.mark.parametrize("table", SEVEN)
def test_every_published_figure_matches(example_report, table):
    reference = read_reference(PUBLISHED / "financial_statements.csv")
    result = reconcile(figures(example_report), reference, {table})
    expected_rows = sum(1 for f in reference if f.table == table)
    assert expected_rows > 0
    assert result.mismatches == [], "\n".join(
        f"{m.line}/{m.column}: published {m.expected}, computed {m.actual}" for m in result.mismatches[:20])
    assert result.matched == expected_rows


def test_all_checks_pass_on_example(example_statements):
    ss, conn = example_statements
    results = checks.run_checks(ss, conn)
    assert [r for r in results if not r.passed] == []
    assert len(results) >= 30


def test_example_on_database_backend(db_url):
    """The same figures on SQLite and PostgreSQL (the db_url fixture runs both)."""
    loaded = runner.invoke(app, ["load", str(EXAMPLE), "--db", db_url])
    assert loaded.exit_code == 0, loaded.output
    closed = runner.invoke(app, ["close", str(EXAMPLE), "--db", db_url, "--year", "2020"])
    assert closed.exit_code == 0, closed.output
    result = runner.invoke(app, ["reconcile", str(EXAMPLE), str(PUBLISHED / "financial_statements.csv"), "--db", db_url,
                                 *[a for t in SEVEN for a in ("--table", t)]])
    assert result.exit_code == 0, result.output
    assert "0 differ, 0 missing" in result.output
    checked = runner.invoke(app, ["check", "--db", db_url])
    assert checked.exit_code == 0, checked.output


def test_reconcile_of_every_published_figure_has_zero_mismatches():
    """All 1,184 rows of financial_statements.csv, the 注記 and 附属明細書 included, from a book
    whose closing entries the run generates (issue 4's acceptance command)."""
    result = runner.invoke(app, ["reconcile", str(EXAMPLE), str(PUBLISHED / "financial_statements.csv")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "reconcile: 1184 of 1184 figures match, 0 differ, 0 missing"


def test_reconcile_reports_a_figure_that_differs(example_dir):
    """The reconciliation can fail: one changed register amount shows up as differences."""
    path = example_dir / "subledgers" / "resident_tax.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",70000,", ",80000,"), encoding="utf-8")
    result = runner.invoke(app, ["reconcile", str(example_dir), str(PUBLISHED / "financial_statements.csv")])
    assert result.exit_code == 1
    assert "DIFF    損益計算書,法人住民税,金額: published 70,000, computed 80,000" in result.output


def test_accounting_policies_text_is_filled_from_book_settings(db_url, tmp_path):
    loaded = runner.invoke(app, ["load", str(EXAMPLE), "--db", db_url])
    assert loaded.exit_code == 0
    text = runner.invoke(app, ["report", "--db", db_url, "-s", "policies"], env={"COLUMNS": "200"}).output
    assert "重要な会計方針" in text
    assert "ソフトウェアについては、5年で償却しております。" in text
    assert "建物 6年～50年" in text and "${" not in text


def test_policy_placeholder_without_value_is_bad_input(example_dir, db_url):
    book = (example_dir / "book.toml").read_text(encoding="utf-8").replace('software_years = 5\n', '')
    (example_dir / "book.toml").write_text(book, encoding="utf-8")
    result = runner.invoke(app, ["load", str(example_dir), "--db", db_url])
    assert result.exit_code == 2
    assert "layouts/95_accounting_policies.toml [template]: ${software_years} is not set" in result.output


def test_closing_entries_are_generated_not_typed(db_url):
    """journal.csv holds no 決算整理 entry: `kessan close` generates all of them from the
    sub-ledgers, and a second run finds every step unchanged."""
    import csv

    with open(EXAMPLE / "journal.csv", encoding="utf-8") as fh:
        kinds = {row["kind"] for row in csv.DictReader(fh) if row["kind"]}
    assert "closing" not in kinds
    assert runner.invoke(app, ["load", str(EXAMPLE), "--db", db_url]).exit_code == 0
    first = runner.invoke(app, ["close", str(EXAMPLE), "--db", db_url])
    assert first.exit_code == 0, first.output
    for step in ("depreciation", "grant_drawdown", "provisions", "aro_accretion", "reserves",
                 "lease_reclassification", "resident_tax", "income_close"):
        assert f"{step:24} v1:" in first.output, first.output
    again = runner.invoke(app, ["close", str(EXAMPLE), "--db", db_url, "--dry-run"])
    assert again.exit_code == 0, again.output
    assert again.output.count("unchanged") == 8


def test_registers_tie_to_the_ledger():
    result = runner.invoke(app, ["check", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("固定資産台帳 取得価額・減価償却累計額 = 元帳", "資産除去債務台帳 = 元帳", "リース債務 返済予定 = 元帳"):
        assert name in result.output


def test_a_register_that_disagrees_with_the_ledger_fails_the_check(example_dir):
    """An asset missing from the 固定資産台帳: its depreciation is not generated, and the
    register no longer ties to the ledger's cost balance."""
    path = example_dir / "subledgers" / "fixed_assets.csv"
    lines = path.read_text(encoding="utf-8").splitlines(True)
    dropped = next(line for line in lines if line.startswith("E-general-new1,"))
    path.write_text("".join(line for line in lines if line != dropped), encoding="utf-8")
    result = runner.invoke(app, ["check", str(example_dir)], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    assert "FAIL" in result.output and "general 1320" in result.output

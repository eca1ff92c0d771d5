"""The example book reproduces every published figure of the seven statements to the yen."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kessan import checks
from kessan.cli import app
from kessan.figures import figures, read_reference, reconcile

from .conftest import EXAMPLE, PUBLISHED

SEVEN = ["貸借対照表", "損益計算書", "利益の処分", "純資産変動計算書", "キャッシュ・フロー計算書",
         "事業別貸借対照表", "事業別損益計算書"]
runner = CliRunner()


@pytest.mark.parametrize("table", SEVEN)
def test_every_published_figure_matches(example_statements, table):
    ss, _ = example_statements
    reference = read_reference(PUBLISHED / "financial_statements.csv")
    result = reconcile(figures(ss), reference, {table})
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
    result = runner.invoke(app, ["reconcile", str(EXAMPLE), str(PUBLISHED / "financial_statements.csv"), "--db", db_url,
                                 *[a for t in SEVEN for a in ("--table", t)]])
    assert result.exit_code == 0, result.output
    assert "0 differ, 0 missing" in result.output
    checked = runner.invoke(app, ["check", "--db", db_url])
    assert checked.exit_code == 0, checked.output


def test_reconcile_full_reference_reports_missing_figures():
    """Figures not produced yet are reported missing and make the exit code 1."""
    result = runner.invoke(app, ["reconcile", str(EXAMPLE), str(PUBLISHED / "financial_statements.csv")])
    assert result.exit_code == 1
    assert "MISSING 借入金等明細書,合計,平均利率" in result.output  # not derived yet (issue 4)
    assert result.output.strip().splitlines()[-1].startswith("reconcile: ")


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


def test_closing_run_agrees_with_the_example_books(db_url):
    """The sub-ledgers (leases) and the ledger agree: a closing run proposes nothing."""
    assert runner.invoke(app, ["load", str(EXAMPLE), "--db", db_url]).exit_code == 0
    result = runner.invoke(app, ["close", str(EXAMPLE), "--db", db_url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.count("unchanged") == 4

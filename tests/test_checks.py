"""Each auditor check passes on a sound book and fails on a book broken in its way."""

from __future__ import annotations

import sqlalchemy as sa

from kessan import checks
from kessan.app import OpenBook
from kessan.app import load as load_dir

from .test_publish import pdf_text

HEADER = "entry,date,kind,memo,segment,account,amount,flow,partner\n"


def _results(engine, code="mini", year=2020) -> dict[str, checks.CheckResult]:
    return {r.name: r for r in OpenBook(engine, code).checks(year)}


def _failed(results) -> set[str]:
    return {name for name, r in results.items() if not r.passed}


def _append(book, rows: str) -> None:
    with open(book / "journal.csv", "a", encoding="utf-8") as fh:
        fh.write(rows)


def test_all_checks_pass_on_sound_book(mini_dir, engine):
    load_dir(engine, mini_dir)
    results = _results(engine)
    assert len(results) >= 12
    assert not _failed(results)


def test_one_sided_inter_segment_position_fails(mini_dir, engine):
    # A claims 50 from B through 他事業勘定, but B never books its side: each segment balances,
    # yet the organisation does not.
    _append(mini_dir, "X1,2020-07-01,regular,片側だけの他事業勘定,a,291,50,,b\nX1,,,,a,111,-50,op.other_out,\n")
    load_dir(engine, mini_dir)
    failed = _failed(_results(engine))
    assert "他事業勘定 nets to zero (法人全体)" in failed
    assert "他事業勘定 nets to zero for every pair of segments" in failed
    assert "資産合計 = 負債純資産合計 (法人全体)" in failed
    assert "資産合計 = 負債純資産合計 (A事業)" not in failed


def test_cash_flow_not_mapped_to_statement_fails(mini_dir, engine):
    # `transfer` is meant for inter-segment cash; used without a partner it reaches the
    # entity cash but no line of the cash-flow statement.
    _append(mini_dir, "X1,2020-07-01,regular,誤った資金移動,a,111,70,transfer,\nX1,,,,a,411,-70,,\n")
    load_dir(engine, mini_dir)
    failed = _failed(_results(engine))
    assert "キャッシュ・フロー計算書 現金及び現金同等物期末残高 = bs.cash" in failed


def test_unmatched_inter_segment_revenue_breaks_net_income_tie(mini_dir, engine):
    # A books 30 of revenue from B; B never books the expense. The organisation's income
    # statement drops it, but the closing moves it into net assets: the ties fail.
    _append(mini_dir, "X1,2020-07-01,regular,相手のない事業間収益,a,131,30,,b\nX1,,,,a,411,-30,,b\n"
                      "X2,2021-03-31,closing,損益振替(追加),a,411,30,net_income,\nX2,,,,a,311,-30,net_income,\n")
    load_dir(engine, mini_dir)
    failed = _failed(_results(engine))
    assert "純資産変動計算書 当期純利益 = pl.net_income" in failed
    assert "資産合計 = 負債純資産合計 (法人全体)" in failed


def test_unclassified_net_asset_movement_fails(mini_dir, engine):
    # Net assets grow by 10 through a flow the 純資産変動計算書 does not list: 当期変動額合計
    # no longer equals the sum of the listed items.
    _append(mini_dir, "X1,2020-07-01,regular,分類外の純資産増加,a,111,10,op.jigyo,\nX1,,,,a,311,-10,dev_reserve_transfer,\n")
    load_dir(engine, mini_dir)
    failed = _failed(_results(engine))
    assert "純資産変動計算書 当期変動額合計 = ni" in failed
    assert "資産合計 = 負債純資産合計 (法人全体)" not in failed


def test_tampered_posting_fails_entry_balance_and_aggregate(mini_dir, engine):
    load_dir(engine, mini_dir)
    with engine.begin() as conn:
        book_id = conn.execute(sa.text("SELECT id FROM book WHERE code='mini'")).scalar()
        conn.execute(sa.text(
            "INSERT INTO posting (book_id, entry_no, line_no, fiscal_year, period, kind, segment_id, account_id, flow_id, "
            "partner_id, amount) "
            "SELECT book_id, entry_no, 99, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, 1 "
            "FROM posting WHERE book_id = :b AND entry_no = 2 AND line_no = 1"), {"b": book_id})
    failed = _failed(_results(engine))
    assert "every entry balances, in total and within each segment" in failed
    assert "stored balances equal the sum of postings" in failed


def test_orphan_segment_breaks_segment_columns(mini_dir, engine):
    load_dir(engine, mini_dir)
    with engine.begin() as conn:
        book_id = conn.execute(sa.text("SELECT id FROM book WHERE code='mini'")).scalar()
        conn.execute(sa.text(
            "INSERT INTO balance (book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, amount) "
            "SELECT book_id, fiscal_year, period, kind, 999, account_id, flow_id, partner_id, amount FROM balance "
            "WHERE book_id = :b AND kind = 'regular' AND amount > 0 AND partner_id = 0 LIMIT 1"), {"b": book_id})
    failed = _failed(_results(engine))
    assert any(name.startswith("事業別") and "各事業 − 相殺等 = 合計" in name for name in failed)
    assert "stored balances equal the sum of postings" in failed
    assert "試算表: every segment's balances sum to zero" in failed


def test_gates_refuse_while_a_check_fails(mini_dir, db_url, tmp_path):
    """period close and publish refuse a ledger whose checks fail, and name the failed checks."""
    from typer.testing import CliRunner

    from kessan.cli import app

    runner = CliRunner()
    _append(mini_dir, "X1,2020-07-01,regular,片側だけの他事業勘定,a,291,50,,b\nX1,,,,a,111,-50,op.other_out,\n")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    assert runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", db_url]).exit_code == 0
    closed = runner.invoke(app, ["period", "close", "--year", "2020", "--db", db_url])
    assert closed.exit_code == 2, closed.output
    assert "was not closed" in closed.output and "他事業勘定 nets to zero (法人全体)" in closed.output
    shown = runner.invoke(app, ["period", "show", "--db", db_url])
    assert "2020 令和2年度: ADJUSTING" in shown.output
    published = runner.invoke(app, ["publish", str(mini_dir), "--db", db_url, "--out", str(tmp_path / "out")])
    assert published.exit_code == 2 and "the package was not written" in published.output
    assert not (tmp_path / "out").exists()


def test_a_package_of_an_open_period_says_draft(mini_dir, db_url, tmp_path):
    import openpyxl
    from typer.testing import CliRunner

    from kessan.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    out = tmp_path / "draft"
    assert runner.invoke(app, ["publish", str(mini_dir), "--db", db_url, "--out", str(out)]).exit_code == 0
    assert all("未確定" in page for page in pdf_text(out / "mini-r2.pdf"))  # cover and every page header
    wb = openpyxl.load_workbook(out / "mini-r2.xlsx")
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert all(any(c.value == "未確定" for row in ws.iter_rows(max_row=2) for c in row) for ws in visible)
    assert all("未確定" in p.read_text(encoding="utf-8") for p in (out / "html").glob("*.html"))
    for action in ("adjust", "close"):
        assert runner.invoke(app, ["period", action, "--year", "2020", "--db", db_url]).exit_code == 0
    final = tmp_path / "final"
    assert runner.invoke(app, ["publish", str(mini_dir), "--db", db_url, "--out", str(final)]).exit_code == 0
    assert not any("未確定" in page for page in pdf_text(final / "mini-r2.pdf"))
    wb = openpyxl.load_workbook(final / "mini-r2.xlsx")
    assert not any(c.value == "未確定" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert not any("未確定" in p.read_text(encoding="utf-8") for p in (final / "html").glob("*.html"))


def test_stored_data_checks_are_computed_from_what_store_verify_found():
    from kessan.store.verify import AggregateDifferences, Unbalanced

    ok = checks.stored_data_results(1_234, [], AggregateDifferences(56, []))
    assert [(r.passed, r.detail) for r in ok] == [(True, "1,234 entries"), (True, "56 aggregate rows")]
    bad = checks.stored_data_results(1_234, [Unbalanced("J1", 2, -1_000)], AggregateDifferences(56, [(2020, 1), (2020, 2)]))
    assert [(r.passed, r.detail) for r in bad] == [(False, "J1 (segment id 2): -1,000"), (False, "2 aggregate rows differ")]


# --------------------------------------------------------------------------- checks by role; SKIPPED


def _edit_layout(book, name: str, old: str, new: str) -> None:
    path = book / "layouts" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_checks_find_the_balance_sheet_by_role_not_by_id(mini_dir, engine):
    # other statement and line ids: C-1 and C-9 still run (before: skipped without a word)
    _edit_layout(mini_dir, "10_bs.toml", 'id = "bs"', 'id = "taishaku"')
    _edit_layout(mini_dir, "10_bs.toml", 'id = "total_assets"', 'id = "shisan_gokei"')
    _edit_layout(mini_dir, "20_pl.toml", 'id = "pl"', 'id = "soneki"')
    for name in ("30_appropriation.toml", "40_na.toml", "50_cf.toml"):
        path = mini_dir / "layouts" / name
        path.write_text(path.read_text(encoding="utf-8").replace("pl.", "soneki.").replace("bs.", "taishaku."),
                        encoding="utf-8")
    load_dir(engine, mini_dir)
    results = _results(engine)
    assert results["資産合計 = 負債純資産合計 (法人全体)"].status == "PASS"
    assert results["every account with a balance is presented in 貸借対照表 or 損益計算書"].status == "PASS"
    assert not any(r.skipped for r in results.values())


def test_a_check_without_its_role_is_skipped_with_its_reason(mini_dir, engine):
    _edit_layout(mini_dir, "10_bs.toml", 'role = "total_assets"\n', "")
    _edit_layout(mini_dir, "20_pl.toml", 'role = "income_statement"\n', "")
    load_dir(engine, mini_dir)
    results = _results(engine)
    c1 = results["資産合計 = 負債純資産合計"]
    assert c1.skipped and c1.status == "SKIP" and c1.failed(strict=True) and not c1.failed()
    assert c1.detail == 'no [[line]] of layouts/10_bs.toml declares role = "total_assets"'
    c9 = results["every account with a balance is presented in 貸借対照表 or 損益計算書"]
    assert c9.skipped and 'no layout declares [statement] role = "income_statement"' in c9.detail


def test_check_shows_skips_and_strict_counts_them_as_failures(mini_dir, db_url):
    from typer.testing import CliRunner

    from kessan.cli import app

    runner = CliRunner()
    _edit_layout(mini_dir, "10_bs.toml", 'role = "balance_sheet"\n', "")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    plain = runner.invoke(app, ["check", "--db", db_url], env={"COLUMNS": "200"})
    assert plain.exit_code == 0, plain.output
    assert "SKIPPED" in plain.stdout and 'no layout declares [statement] role = "balance_sheet"' in plain.stdout
    assert ", 2 skipped" in plain.stdout  # C-1 and C-9
    strict = runner.invoke(app, ["check", "--db", db_url, "--strict"], env={"COLUMNS": "200"})
    assert strict.exit_code == 1 and "2 skipped (counted as failed: --strict)" in strict.stdout
    # closing the period is strict: a check that did not run refuses it
    assert runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", db_url]).exit_code == 0
    closed = runner.invoke(app, ["period", "close", "--year", "2020", "--db", db_url])
    assert closed.exit_code == 2 and "2 check(s) fail" in closed.output


def test_report_and_figures_warn_of_an_unbalanced_balance_sheet(mini_dir):
    from typer.testing import CliRunner

    from kessan.cli import app

    runner = CliRunner()
    # the balance sheet leaves out 積立金: it no longer balances
    _edit_layout(mini_dir, "10_bs.toml", 'formula = "reserve + dev_reserve"', 'formula = "dev_reserve"')
    for command in ("report", "figures"):
        result = runner.invoke(app, [command, str(mini_dir)], env={"COLUMNS": "300"})
        assert result.exit_code == 0, result.output
        assert "warning: the balance sheet does not balance: 資産合計 = 負債純資産合計 (法人全体)" in result.stderr


def test_a_sound_balance_sheet_gives_no_warning(mini_dir):
    from typer.testing import CliRunner

    from kessan.cli import app

    result = CliRunner().invoke(app, ["figures", str(mini_dir)])
    assert result.exit_code == 0 and "warning" not in result.stderr

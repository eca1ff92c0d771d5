"""Roles, not defaults (issue 11): the closing steps and the checks find accounts, flows,
statements and lines by the role the book declares; no code of the example is in src/."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.io import reader
from kessan.ledger.errors import BookError
from kessan.ledger.roles import ACCOUNT_ROLES, FLOW_ROLES, LINE_ROLES, STATEMENT_ROLES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jlis-fy2020"
SRC = ROOT / "src" / "kessan"
runner = CliRunner()


def example_codes() -> dict[str, set[str]]:
    """Every account, flow and segment code of the example, read from its TOML files."""
    def codes(file: str, table: str) -> set[str]:
        return {item["code"] for item in tomllib.loads((EXAMPLE / file).read_text(encoding="utf-8"))[table]}

    return {"account": codes("accounts.toml", "account"), "flow": codes("flows.toml", "flow"),
            "segment": codes("segments.toml", "segment")}


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a Python file, docstrings and f-string parts included."""
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


ROLE_NAMES = set(ACCOUNT_ROLES) | set(FLOW_ROLES) | set(STATEMENT_ROLES) | set(LINE_ROLES)
# the 弥生インポート形式's 識別フラグ (2000, 2111, 2110, 2100, 2101) are the vendor's published
# format; one of them happens to equal an account code of the example (2110 未払金)
VENDOR_FORMAT = {"io/interop/readers.py": {"2110"}, "export/yayoi.py": {"2110"}}


def test_no_code_of_the_example_in_src():
    # a code that is also the name of a declared role (the example's reserved flow is coded
    # like its role, net_income) is the vocabulary, not the example's data
    found = []
    for kind, codes in example_codes().items():
        pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in sorted(codes - ROLE_NAMES)) + r")(?![\w.])")
        for path in sorted(SRC.rglob("*.py")):
            for line, text in string_literals(path):
                for m in pattern.finditer(text):
                    # segment codes are ordinary words ("general", "card"): only a whole literal counts
                    allowed = VENDOR_FORMAT.get(path.relative_to(SRC).as_posix(), set())
                    if (kind != "segment" or text == m.group(1)) and m.group(1) not in allowed:
                        found.append(f"{path.relative_to(ROOT)}:{line}: {kind} {m.group(1)!r}")
        for path in sorted(SRC.rglob("*")):
            if path.suffix in (".j2", ".typ", ".csv") and kind != "segment":
                for m in pattern.finditer(path.read_text(encoding="utf-8")):
                    found.append(f"{path.relative_to(ROOT)}: {kind} {m.group(1)!r}")
    assert not found, "\n".join(found)


def test_the_grep_finds_a_planted_code(tmp_path):
    # the test above would pass on an empty pattern; it does see a code in a string literal
    planted = tmp_path / "planted.py"
    planted.write_text('ACCOUNT = "4220"  # 長期前受金取崩収入\n', encoding="utf-8")
    assert (1, "4220") in string_literals(planted)
    assert "4220" in example_codes()["account"]


def test_the_example_declares_every_role_its_closing_needs():
    chart = reader.read_book(EXAMPLE).chart
    for role in ("retained_earnings", "grant_drawdown_revenue", "lease_current", "lease_noncurrent",
                 "resident_tax_expense", "resident_tax_payable"):
        assert chart.account_with(role) is not None, role
    for role in ("net_income", "depreciation", "provision_increase", "provision_other", "aro_accretion",
                 "reserve_increase", "reserve_decrease"):
        assert chart.flow_with(role) is not None, role


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_a_unique_role_held_twice_is_located(mini_dir):
    _append(mini_dir / "accounts.toml", '\n[[account]]\ncode = "3290"\nname = "別積立金"\nkind = "net_assets"\n'
                                        'roles = ["retained_earnings"]\n')
    with pytest.raises(BookError) as exc:
        reader.read_book(mini_dir)
    text = str(exc.value)
    assert "accounts.toml:" in text and "[roles]" in text
    assert "role 'retained_earnings' is already held by account '311'" in text


def test_an_unknown_role_is_located(mini_dir):
    _append(mini_dir / "flows.toml", '\n[[flow]]\ncode = "fa.dep"\nname = "償却"\napplies_to = "any"\n'
                                     'roles = ["depreciaton"]\n')
    with pytest.raises(BookError) as exc:
        reader.read_book(mini_dir)
    assert "flows.toml:" in str(exc.value) and "unknown role 'depreciaton'" in str(exc.value)


def test_roles_survive_the_database(mini_dir, db_url):
    from kessan.store import db, repo

    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        chart = repo.load_stored_book(conn, "mini").chart
    engine.dispose()
    assert chart.account_with("retained_earnings") == "311"
    assert chart.flow_with("net_income") == "net_income"


def test_a_chart_without_retained_earnings_refuses_the_close_naming_role_and_file(mini_dir, db_url):
    # before: the closing posted to "311" by default, and a chart without it could not report
    text = (mini_dir / "accounts.toml").read_text(encoding="utf-8").replace('roles = ["retained_earnings"]\n', "")
    (mini_dir / "accounts.toml").write_text(text, encoding="utf-8")
    journal = (mini_dir / "journal.csv").read_text(encoding="utf-8")
    # the journal's own 損益振替 left out, so that the closing has a result to close
    (mini_dir / "journal.csv").write_text("".join(ln for ln in journal.splitlines(keepends=True)
                                                  if not ln.startswith("J4,")), encoding="utf-8")
    result = runner.invoke(app, ["report", str(mini_dir)])
    assert result.exit_code == 2, result.output
    assert "accounts.toml [roles]: no account declares the role 'retained_earnings'" in result.output
    assert "the closing step income_close" in result.output
    assert "Traceback" not in result.output


def test_a_net_income_flow_outside_a_closing_entry_is_refused_by_its_role(mini_dir):
    # the reserved flow is the one with role net_income, whatever its code
    text = (mini_dir / "flows.toml").read_text(encoding="utf-8").replace('code = "net_income"', 'code = "pl.result"')
    (mini_dir / "flows.toml").write_text(text, encoding="utf-8")
    journal = (mini_dir / "journal.csv").read_text(encoding="utf-8").replace("closing,損益振替", "regular,損益振替")
    (mini_dir / "journal.csv").write_text(journal.replace(",net_income,", ",pl.result,"), encoding="utf-8")
    for name in ("20_pl.toml", "40_na.toml"):
        path = mini_dir / "layouts" / name
        path.write_text(path.read_text(encoding="utf-8").replace('"net_income"]', '"pl.result"]'), encoding="utf-8")
    result = runner.invoke(app, ["report", str(mini_dir)])
    assert result.exit_code == 2, result.output
    assert "flow 'pl.result' (role net_income) is only allowed in closing entries" in result.output


# --------------------------------------------------------------------------- one meaning per command


def test_a_dry_run_close_writes_nothing_anywhere(mini_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'dry.db'}"
    dry = runner.invoke(app, ["close", str(mini_dir), "--db", url, "--year", "2020", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing posted" in dry.output
    assert not (tmp_path / "dry.db").exists()  # not even created, let alone loaded
    # and a load that follows is not "already loaded"
    assert runner.invoke(app, ["load", str(mini_dir), "--db", url]).exit_code == 0


def test_a_dry_run_on_a_loaded_book_leaves_it_as_it_was(mini_dir, db_url):
    from kessan.store import db, repo

    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        before = repo.cube(conn, "mini", 2020)
    dry = runner.invoke(app, ["close", str(mini_dir), "--db", db_url, "--year", "2020", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    with engine.connect() as conn:
        assert repo.cube(conn, "mini", 2020) == before
        assert repo.closing_entries(conn, "mini", 2020) == []
    engine.dispose()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_book_dir_and_database_give_the_same_figures_once_closed(mini_dir, db_url):
    # a register the closing posts from: the directory closes it in memory, the database once
    # `close` ran; both say which closing state they report
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / "resident_tax.csv").write_text(
        "office,jurisdiction,segment,annual_amount,opened,closed\nO1,東京都,a,70000,,\n", encoding="utf-8")
    _append(mini_dir / "accounts.toml", '\n[[account]]\ncode = "7100"\nname = "法人住民税"\nkind = "expense"\n'
                                        'roles = ["resident_tax_expense"]\n'
                                        '\n[[account]]\ncode = "7200"\nname = "未払法人住民税"\nkind = "liability"\n'
                                        'roles = ["resident_tax_payable"]\n')
    for name, old, new in (("10_bs.toml", 'accounts = ["211"]', 'accounts = ["211", "7200"]'),
                           ("20_pl.toml", 'accounts = ["511"]', 'accounts = ["511", "7100"]')):
        path = mini_dir / "layouts" / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    before = runner.invoke(app, ["figures", "--db", db_url])
    assert "no closing entries are posted" in _flat(before.stderr)
    closed = runner.invoke(app, ["close", str(mini_dir), "--db", db_url, "--year", "2020"])
    assert closed.exit_code == 0, closed.output
    from_db = runner.invoke(app, ["figures", "--db", db_url])
    from_dir = runner.invoke(app, ["figures", str(mini_dir)])
    assert from_db.exit_code == 0 and from_dir.exit_code == 0, from_dir.output
    assert from_db.stdout == from_dir.stdout != before.stdout
    assert "as posted in" in _flat(from_db.stderr) and "computed from the registers" in _flat(from_dir.stderr)


# --------------------------------------------------------------------------- layouts: roles, cycles


def _edit(book: Path, name: str, old: str, new: str) -> None:
    path = book / "layouts" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _problems(book: Path) -> str:
    result = runner.invoke(app, ["report", str(book)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_a_formula_that_refers_to_itself_is_located(mini_dir):
    # before: evaluated with the term as 0, and `check` passed
    _edit(mini_dir, "10_bs.toml", 'formula = "cash + receivables"', 'formula = "cash + receivables + total_assets"')
    assert "layouts/10_bs.toml [formula]: line 資産合計: the formula refers to itself" in _problems(mini_dir)


def test_formulas_in_a_cycle_across_statements_are_located(mini_dir):
    _edit(mini_dir, "10_bs.toml", 'formula = "payables + inter_segment"',
          'formula = "payables + inter_segment + pl.net_income"')
    text = (mini_dir / "layouts" / "20_pl.toml").read_text(encoding="utf-8")
    formula = text.split('id = "net_income"', 1)[1].split("formula = ", 1)[1].split("\n", 1)[0]
    _edit(mini_dir, "20_pl.toml", f"formula = {formula}", f'formula = "{formula.strip(chr(34))} + bs.total_liabilities"')
    problems = _problems(mini_dir)
    assert "the formula is part of a cycle: " in problems
    assert "bs.total_liabilities → pl.net_income → bs.total_liabilities" in problems


def test_a_statement_role_held_twice_or_unknown_is_located(mini_dir):
    _edit(mini_dir, "20_pl.toml", 'role = "income_statement"', 'role = "balance_sheet"')
    _edit(mini_dir, "10_bs.toml", 'role = "total_assets"', 'role = "total_asets"')
    problems = _problems(mini_dir)
    assert "layouts/20_pl.toml [role]: [statement]: role 'balance_sheet' is already held by [statement] of " \
           "layouts/10_bs.toml" in problems
    assert "layouts/10_bs.toml [role]: line 資産合計: unknown role 'total_asets'" in problems


def test_two_unnamed_lines_with_one_label_keep_their_own_amounts(mini_dir):
    _append(mini_dir / "layouts" / "10_bs.toml", '\n[[line]]\nlabel = "その他"\naccounts = ["111"]\n'
                                                 '\n[[line]]\nlabel = "その他"\naccounts = ["131"]\n')
    result = runner.invoke(app, ["figures", str(mini_dir)])
    assert result.exit_code == 0, result.output
    rows = [ln for ln in result.stdout.splitlines() if ln.startswith("貸借対照表,その他,")]
    assert rows == ["貸借対照表,その他,金額,1750", "貸借対照表,その他,金額,0"]


# --------------------------------------------------------------------------- the example's quirks are layout options


def test_small_amount_decimals_are_a_layout_option():
    from decimal import Decimal

    from kessan.statements.trend import round_oku

    # 1,245,558 円 = 0.01245558 億円: neutral default prints 0.0; the example's option, up to 2 more: 0.01
    assert round_oku(1_245_558, 1, "half_up") == Decimal("0.0")
    assert round_oku(1_245_558, 1, "half_up", small_decimals=2) == Decimal("0.01")
    assert round_oku(124_555, 1, "half_up", small_decimals=2) == Decimal("0.001")
    assert round_oku(1_000, 1, "half_up", small_decimals=2) == Decimal("0.000")  # never more than asked


def test_trend_headings_and_axes_are_layout_options():
    from kessan.statements.trend import trend_layout

    base = {"id": "trend", "kind": "trend", "table": "推移", "measure": "pl.x"}
    neutral = trend_layout("90_trend.toml", {"statement": base})
    assert (neutral.heading(2020), neutral.tick(2020), neutral.axis_x) == ("2020年度", "2020", "")
    styled = trend_layout("90_trend.toml", {"statement": {**base, "column": "{era}決算", "axis_column": "{era}",
                                                          "axis_x": "決算年度"}})
    assert (styled.heading(2020), styled.heading(2014), styled.tick(2019), styled.axis_x) == \
           ("R2決算", "H26決算", "R元", "決算年度")
    with pytest.raises(BookError) as exc:
        trend_layout("90_trend.toml", {"statement": {**base, "column": "{nengo}決算"}})
    assert "layouts/90_trend.toml [column]" in str(exc.value) and "{year}, {era}" in str(exc.value)


def test_the_example_sets_its_quirks_in_its_layouts():
    layouts = {name: tomllib.loads(text) for name, text in reader.read_book(EXAMPLE).layouts}
    trend = layouts["90_trend.toml"]["statement"]
    assert (trend["column"], trend["small_decimals"], trend["axis_x"]) == ("{era}決算", 2, "決算年度")
    for name in ("60_settlement_bs.toml", "70_settlement_pl.toml", "80_summary_bs.toml", "81_summary_pl.toml"):
        st = layouts[name]["statement"]
        assert (st["note_mark_prefix"], st["cited_unit"]) == ("注", "百万円"), name


def test_note_marks_print_as_declared_without_a_prefix_option(example_dir):
    # neutral: each mark as declared, (注1、注2); the example's note_mark_prefix = "注": (注1、2)
    def remarks(book: Path) -> set[str]:
        result = runner.invoke(app, ["report", str(book), "--format", "json", "-s", "budget_pl"])
        assert result.exit_code == 0, result.output
        text = result.stdout
        return set(re.findall(r"\(注[^)]*\)", text))

    styled = remarks(example_dir)
    assert styled and all("、注" not in m for m in styled)
    path = example_dir / "layouts" / "70_settlement_pl.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('note_mark_prefix = "注"\n', ""), encoding="utf-8")
    neutral = remarks(example_dir)
    assert "(注1、2)" in styled and "(注1、注2)" in neutral
    assert {m.replace("、注", "、") for m in neutral} == styled


def test_a_book_whose_flow_codes_differ_is_told_which_flow_role_it_lacks(mini_dir, db_url):
    # before: a flow code other than the example's (fa.depreciation) was silently left off
    _append(mini_dir / "accounts.toml", '\n[[account]]\ncode = "1310"\nname = "建物"\nkind = "asset"\n'
                                        '\n[[account]]\ncode = "1311"\nname = "建物減価償却累計額"\nkind = "asset"\n')
    _append(mini_dir / "flows.toml", '\n[[flow]]\ncode = "kotei.shokyaku"\nname = "当期償却額"\napplies_to = "any"\n')
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / "fixed_assets.csv").write_text(
        "asset,name,segment,cost_account,contra_account,expense_account,method,useful_life,lease_months,in_use,cost,"
        "grant_account,funded_amount,disposed,opening_accumulated,opening_year,revised_base\n"
        "B1,建物,a,1310,1311,511,straight_line,10,,2020-04-01,1000000,,,,,,\n", encoding="utf-8")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    refused = runner.invoke(app, ["close", str(mini_dir), "--db", db_url, "--year", "2020"])
    assert refused.exit_code == 2, refused.output
    assert "flows.toml [roles]: no flow declares the role 'depreciation'" in " ".join(refused.output.split())
    assert "the closing step depreciation needs" in " ".join(refused.output.split())


def test_without_the_reserved_flow_the_income_close_names_its_role(mini_dir):
    text = (mini_dir / "flows.toml").read_text(encoding="utf-8").replace('roles = ["net_income"]\n', "")
    (mini_dir / "flows.toml").write_text(text, encoding="utf-8")
    journal = (mini_dir / "journal.csv").read_text(encoding="utf-8")
    (mini_dir / "journal.csv").write_text("".join(ln for ln in journal.splitlines(keepends=True)
                                                  if not ln.startswith("J4,")), encoding="utf-8")
    result = runner.invoke(app, ["report", str(mini_dir)])
    assert result.exit_code == 2, result.output
    assert "flows.toml [roles]: no flow declares the role 'net_income'" in " ".join(result.output.split())


def test_a_typo_in_a_cross_statement_reference_is_located(mini_dir):
    _edit(mini_dir, "30_appropriation.toml", 'formula = "pl.net_income"', 'formula = "pl.net_incme"')
    assert "layouts/30_appropriation.toml [formula]: line 処分対象利益: 'pl.net_incme': no line 'net_incme' in pl" \
        in _problems(mini_dir)

"""The cross-file validation pass (app/validate.py): problems no single file's shape shows,
found when the book is read, located by file, line and field, before anything is stored; at
the command line exit 2 and no traceback (issue 11, item 3)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kessan import app
from kessan.cli import app as cli
from kessan.ledger.errors import BookError


def _edit(book, name: str, old: str, new: str) -> None:
    path = book / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(book, name: str, text: str) -> int:
    """The line of ``name`` that holds ``text`` (the expected location, read from the file)."""
    return next(n for n, line in enumerate((book / name).read_text(encoding="utf-8").splitlines(), 1) if text in line)


def _problems(book) -> list[str]:
    with pytest.raises(BookError) as caught:
        app.read_book_dir(book)
    return [str(e) for e in caught.value.errors]


def test_the_example_and_mini_have_no_cross_file_problem(mini_dir, example_dir):
    app.read_book_dir(mini_dir)
    app.read_book_dir(example_dir)


def test_a_formula_that_reads_itself_is_an_error_not_a_zero(mini_dir):
    # evaluated, the term was 0: 資産合計 = 現金 + 0 and check still passed (found by the layouts
    # pass of statements/layout.py, before the cross-file pass)
    _edit(mini_dir, "layouts/10_bs.toml", 'formula = "cash + receivables"', 'formula = "cash + total_assets"')
    assert _problems(mini_dir) == ["layouts/10_bs.toml [formula]: line 資産合計: the formula refers to itself"]


def test_a_cycle_through_two_statements_is_found_with_its_path(mini_dir):
    _edit(mini_dir, "layouts/20_pl.toml", 'formula = "revenue - costs"', 'formula = "revenue - costs + appropriation.disposable"')
    [problem] = _problems(mini_dir)
    assert "[formula]" in problem and "is part of a cycle" in problem
    assert "pl.net_income" in problem and "appropriation.disposable" in problem


SCHEDULE = """
[statement]
id = "sched"
title = "明細"
order = 60

[[column]]
id = "open"
name = "期首"
basis = "opening"

[[column]]
id = "end"
name = "期末"
formula = "open + change"

[[column]]
id = "change"
name = "増減"
formula = "end - open"

[[line]]
id = "cash"
label = "現金及び預金"
accounts = ["111"]
"""


def test_a_schedule_column_computed_from_itself(mini_dir):
    (mini_dir / "layouts" / "60_sched.toml").write_text(SCHEDULE, encoding="utf-8")
    problems = _problems(mini_dir)
    assert "layouts/60_sched.toml [formula]: column end: its formula refers to itself (directly or through other columns)" \
        in problems


def test_two_lines_with_ids_and_one_label_are_refused(mini_dir):
    # both would publish their figure as 貸借対照表/その他 (the figures are keyed by label)
    _edit(mini_dir, "layouts/10_bs.toml", 'label = "未収金"', 'label = "その他"')
    _edit(mini_dir, "layouts/10_bs.toml", 'label = "現金及び預金"', 'label = "その他"')
    [problem] = _problems(mini_dir)
    line = [n for n, t in enumerate((mini_dir / "layouts/10_bs.toml").read_text(encoding="utf-8").splitlines(), 1)
            if t == 'label = "その他"'][1]
    assert problem.startswith(f"layouts/10_bs.toml:{line} [label]: line #3 (その他): its figure in the statement is named "
                              "'その他' like line #2's")


def test_a_ref_tells_two_lines_of_one_label_apart(mini_dir):
    _edit(mini_dir, "layouts/10_bs.toml", 'label = "未収金"', 'label = "その他"\nref = "その他(未収金)"')
    _edit(mini_dir, "layouts/10_bs.toml", 'label = "現金及び預金"', 'label = "その他"')
    app.read_book_dir(mini_dir)


def test_a_schedule_line_role_no_column_reads(example_dir):
    path = next(p for p in (example_dir / "layouts").glob("*.toml") if "accounts = {" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    i = text.index("accounts = {") + len("accounts = {")
    role = text[i:].split("=", 1)[0].strip()
    path.write_text(text[:i] + " typo_" + text[i:].lstrip(), encoding="utf-8")
    problems = _problems(example_dir)
    assert any(f"layouts/{path.name}:" in p and "[accounts]" in p and f"no column reads role 'typo_{role}'" in p
               for p in problems), problems


def test_a_statement_excluding_an_undeclared_flow(mini_dir):
    # pl excluded net_income: a book without that flow lost nothing visible, and pl showed the transfer
    _edit(mini_dir, "layouts/20_pl.toml", 'exclude_flows = ["net_income"]', 'exclude_flows = ["net_incme"]')
    line = _line(mini_dir, "layouts/20_pl.toml", "net_incme")
    assert _problems(mini_dir) == [
        f"layouts/20_pl.toml:{line} [exclude_flows]: [statement] excludes flow 'net_incme', which flows.toml does not declare"]


def test_a_role_on_an_account_of_the_wrong_kind(mini_dir):
    # the 損益振替 would have closed the year's result into an expense account
    _edit(mini_dir, "accounts.toml", 'name = "事業費"\nkind = "expense"', 'name = "事業費"\nkind = "expense"\n'
                                                                     'roles = ["resident_tax_expense", "retained_earnings"]')
    text = (mini_dir / "accounts.toml").read_text(encoding="utf-8")
    text = text.replace('roles = ["retained_earnings"]\n', "", 1)  # the role moves from 積立金 to 事業費
    (mini_dir / "accounts.toml").write_text(text, encoding="utf-8")
    [problem] = _problems(mini_dir)
    line = text.splitlines().index('roles = ["resident_tax_expense", "retained_earnings"]') + 1
    assert problem == (f"accounts.toml:{line} [roles]: account 511 (事業費) is expense; the role 'retained_earnings' "
                       "belongs to an account of kind net_assets")


def test_a_cross_file_problem_is_exit_2_and_stores_nothing(mini_dir, db_url):
    _edit(mini_dir, "layouts/10_bs.toml", 'formula = "cash + receivables"', 'formula = "cash + total_assets"')
    result = CliRunner().invoke(cli, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2, result.output
    assert "layouts/10_bs.toml [formula]" in result.output and "Traceback" not in result.output
    with pytest.raises(app.BadInput, match="holds 0 books"), app.open_book(url=db_url):
        pass


ASSETS = ("asset,name,segment,cost_account,contra_account,expense_account,method,useful_life,lease_months,in_use,cost,"
          "grant_account,funded_amount,disposed,opening_accumulated,opening_year,revised_base\n")


@pytest.mark.parametrize("row,fragment", [
    # the depreciation would have been posted to the expense account 511 as if it were the asset's contra
    ("A1,机,a,131,511,511,straight_line,5,,2020-04-01,1000,,,,,,\n",
     "subledgers/fixed_assets.csv:2 [contra_account]: account 511 (事業費) is expense; contra_account must be asset"),
    ("A1,机,a,131,,111,straight_line,5,,2020-04-01,1000,,,,,,\n",
     "subledgers/fixed_assets.csv:2 [expense_account]: account 111 (現金預金) is asset; expense_account must be expense"),
])
def test_a_register_account_of_the_wrong_kind_is_located(mini_dir, row, fragment):
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / "fixed_assets.csv").write_text(ASSETS + row, encoding="utf-8")
    assert _problems(mini_dir) == [fragment]

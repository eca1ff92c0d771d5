"""Drill-down from a figure to the postings behind it (kessan.app OpenBook.drilldown), on
SQLite and PostgreSQL: for every figure of the example book that sums postings, the SQL
total of its postings is the figure; a formula figure lists the figures it is made of."""

from __future__ import annotations

import datetime as dt

import pytest

from kessan import app
from kessan.report.model import Derived, FigureId
from kessan.statements.engine import ELIM, TOTAL, Source

from .conftest import EXAMPLE

CASH = FigureId("貸借対照表", "現金及び預金", "金額")


def _posting_cells(report):
    return [(t, c) for t, _, c in report.cells()
            if isinstance(c.source, Source) and c.source.kind == "postings" and c.yen is not None]


def test_every_postings_figure_drills_down_to_its_amount(db_url):
    """The example book stored in the database and closed, as `kessan load` + `kessan close` do."""
    with app.open_book(EXAMPLE, url=db_url, actor="tester") as book:
        book.close()
        report = book.report(2020)
        cells = _posting_cells(report)
        assert len(cells) > 1000  # every statement, every segment column, the schedules
        views = {c.source.view for _, c in cells}
        assert {TOTAL, ELIM} < views and len(views) == len(book.book.chart.segments) + 2
        wrong = []
        for _, cell in cells:
            page = book.drilldown(app.figure_key(cell.figure), per_page=1)
            if page.total_yen != cell.yen or page.kind != "postings" or page.yen != cell.yen:
                wrong.append((cell.figure, cell.yen, page.total_yen))
            elif cell.yen and not page.count:
                wrong.append((cell.figure, cell.yen, "no postings"))
        assert not wrong, wrong[:10]


def test_the_rows_of_all_pages_add_up_to_the_figure(example_book):
    first = example_book.drilldown(CASH, per_page=100)
    rows = list(first.rows)
    for n in range(2, first.pages + 1):
        rows += example_book.drilldown(CASH, page=n, per_page=100).rows
    assert len(rows) == first.count > 100
    assert sum(r.amount for r in rows) == first.total_yen == first.yen == 217_929_881_822
    assert len({(r.entry_id, r.line_no) for r in rows}) == len(rows)  # pages do not overlap
    assert {r.account for r in rows} == {"1110", "1120"} and all(r.partner is None for r in rows)


def test_a_credit_balance_counts_positive_and_the_rows_say_how_it_was_posted(example_book):
    report = example_book.report(2020)
    revenue = next(c for _, c in _posting_cells(report)
                   if c.source.statement == "pl" and c.yen and c.yen > 0
                   and all(example_book.book.chart.accounts[a].kind == "revenue" for a in c.source.accounts))
    page = example_book.drilldown(revenue.figure, per_page=1000)
    assert page.total_yen == revenue.yen == sum(r.amount for r in page.rows)
    assert sum(r.posted for r in page.rows) == -revenue.yen  # credits are stored negative


def test_the_elimination_column_is_the_postings_with_a_partner(example_book):
    report = example_book.report(2020)
    elim = next(c for _, c in _posting_cells(report) if c.source.view == ELIM and c.yen)
    page = example_book.drilldown(elim.figure, per_page=1000)
    assert page.total_yen == elim.yen and page.rows and all(r.partner is not None for r in page.rows)


def test_a_formula_figure_lists_the_figures_it_adds(example_book):
    report = example_book.report(2020)
    formulas = [c for _, _, c in report.cells()
                if isinstance(c.source, Source) and c.source.kind == "formula" and c.yen is not None]
    assert len(formulas) > 100
    for cell in formulas:
        page = example_book.drilldown(cell.figure)
        assert page.kind == "formula" and page.rows == () and page.count == 0 and page.terms
        if all(t.yen is not None for t in page.terms):
            assert sum(t.sign * t.yen for t in page.terms) == cell.yen, cell.figure
    total_assets = example_book.drilldown(FigureId("貸借対照表", "資産合計", "金額"))
    linked = [t for t in total_assets.terms if t.figure]
    assert linked and all(example_book.drilldown(t.figure).yen == t.yen for t in linked)


def test_budget_history_and_differences_say_what_they_are(example_book):
    report = example_book.report(2020)
    kinds = {}
    for _, _, c in report.cells():
        if isinstance(c.source, Derived):
            kinds.setdefault(c.source.kind, c)
    assert {"budget", "difference", "history"} <= set(kinds)
    budget = example_book.drilldown(kinds["budget"].figure)
    assert budget.kind == "budget" and budget.detail and not budget.rows and budget.total_yen == kinds["budget"].yen
    diff = example_book.drilldown(kinds["difference"].figure)
    assert [t.sign for t in diff.terms] == [1, -1] and all(t.figure for t in diff.terms)
    assert sum(t.sign * t.yen for t in diff.terms) == diff.yen
    history = example_book.drilldown(kinds["history"].figure)
    assert history.kind == "history" and history.total_yen is None and history.detail


@pytest.mark.parametrize("parts", [("a|b", "c\\d", "e"), ("貸借対照表", "有形固定資産/リース資産", "金額"), ("", "", "")])
def test_figure_keys_round_trip(parts):
    figure = FigureId(*parts)
    assert app.parse_figure_key(app.figure_key(figure)) == figure


@pytest.mark.parametrize("key", ["貸借対照表|現金及び預金", "a|b|c|d", "a|b|c\\"])
def test_a_malformed_key_is_bad_input(example_book, key):
    with pytest.raises(app.BadInput, match="not a figure"):
        example_book.drilldown(key)


def test_unknown_figures_pages_and_years_are_refused(example_book):
    with pytest.raises(app.NotFound, match="no figure"):
        example_book.drilldown("貸借対照表|存在しない科目|金額")
    with pytest.raises(app.BadInput, match="numbered from 1"):
        example_book.drilldown(CASH, page=0)
    with pytest.raises(app.BadInput, match="postings a page"):
        example_book.drilldown(CASH, per_page=100_000)
    with pytest.raises(app.NotFound, match="no fiscal year 1999"):
        example_book.drilldown(CASH, year=1999)
    beyond = example_book.drilldown(CASH, page=10_000)
    assert beyond.rows == () and beyond.count > 0  # past the last page: empty, and says how many there are


def test_a_reversal_moves_the_figure_and_its_drilldown_together(mini_dir, db_url):
    with app.open_book(mini_dir, url=db_url, actor="tester") as book:
        figure = next(c.figure for _, _, c in book.report(2020).cells()
                      if isinstance(c.source, Source) and c.source.kind == "postings" and c.source.view == TOTAL
                      and "1110" in c.source.accounts and c.yen)
        before = book.drilldown(figure)
        book.reverse("J1", "R1", dt.date(2020, 7, 1))
        after = book.drilldown(figure)
        cell = next(c for _, _, c in book.report(2020).cells() if c.figure == figure)
        assert after.total_yen == cell.yen == before.total_yen - 300
        assert after.count == before.count + 1 and after.rows[-1].entry_id == "R1"


def test_column_formulas_list_their_columns_and_inputs_name_their_key(example_book):
    report = example_book.report(2020)
    columns = [c for _, _, c in report.cells()
               if isinstance(c.source, Source) and c.source.kind == "columns" and c.yen is not None]
    inputs = [c for _, _, c in report.cells() if isinstance(c.source, Source) and c.source.kind == "input"]
    assert columns and inputs
    for cell in columns:
        page = example_book.drilldown(cell.figure)
        assert page.terms and all(t.figure for t in page.terms), cell.figure
        assert sum(t.sign * t.yen for t in page.terms) == cell.yen, cell.figure
    for cell in inputs:
        page = example_book.drilldown(cell.figure)
        assert page.kind == "input" and page.detail == f"input {cell.source.input}" and page.yen == cell.yen


def test_count_and_total_are_remembered_until_the_ledger_changes(mini_dir, db_url, monkeypatch):
    from kessan.app import journal
    from kessan.store import journal as store_journal

    calls = []
    real = store_journal.totals
    monkeypatch.setattr(store_journal, "totals", lambda *a: calls.append(1) or real(*a))
    journal.TOTALS.clear()
    with app.open_book(mini_dir, url=db_url, actor="tester") as book:
        figure = FigureId("貸借対照表", "現金及び預金", "金額")
        first = book.drilldown(figure, per_page=2)
        second = book.drilldown(figure, page=2, per_page=2)
        assert len(calls) == 1 and (second.count, second.total_yen) == (first.count, first.total_yen)
        assert [r.entry_id for r in first.rows + second.rows] == ["OPEN-2020", "OPEN-2020", "J1", "J2"]
        book.reverse("J1", "R1", dt.date(2020, 7, 1))  # a new head: counted again
        after = book.drilldown(figure, per_page=2)
        assert len(calls) == 2 and after.count == first.count + 1 and after.total_yen == first.total_yen - 300

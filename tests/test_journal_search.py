"""One entry with its history (OpenBook.entry) and the journal search of 電子帳簿保存法
(OpenBook.search, search_csv), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from kessan import app
from kessan.app import JournalQuery

D = dt.date


@pytest.fixture
def mini(mini_dir, db_url):
    with app.open_book(mini_dir, url=db_url, actor="tester") as book:
        yield book


def test_an_entry_with_its_postings_audit_events_and_hash_link(mini):
    e = mini.entry("J2")
    assert (e.entry_id, e.date, e.kind, e.memo) == ("J2", D(2020, 6, 30), "regular", "B事業の経費をA事業が立替")
    assert [(p.segment, p.account, p.posted, p.flow, p.partner) for p in e.postings] == [
        ("a", "2190", 50, None, "b"), ("a", "1110", -50, "op.other_out", None),
        ("b", "5110", 50, None, None), ("b", "2190", -50, None, "a")]
    assert sum(p.amount for p in e.postings) == 0 and e.postings[0].account_name == "他事業勘定"
    assert e.reverses is None and e.reversed_by is None
    assert [(ev.kind, ev.actor) for ev in e.events] == [("load", "tester")]
    assert e.chain_link is not None and len(e.chain_link) == 64 and e.chain_range[0] <= e.entry_no <= e.chain_range[1]
    assert e.source_line == 4 and e.fiscal_year == 2020


def test_a_reversal_chain_both_ways(mini):
    mini.reverse("J1", "R1", D(2020, 7, 1))
    original, reversal = mini.entry("J1"), mini.entry("R1")
    assert original.reversed_by == "R1" and reversal.reverses == "J1" and reversal.reversed_by is None
    assert [(ev.kind, ev.actor) for ev in reversal.events] == [("reverse", "tester")]
    assert [p.posted for p in reversal.postings] == [-p.posted for p in original.postings]
    assert reversal.chain_link and reversal.chain_link != original.chain_link


def test_an_unknown_entry_is_not_found(mini):
    with pytest.raises(app.NotFound, match="no entry 'J99'"):
        mini.entry("J99")


def _ids(page):
    return [(r.entry_id, r.line_no) for r in page.rows]


@pytest.mark.parametrize(("query", "expected"), [
    (JournalQuery(), 23),  # the opening entry's 7 postings and the journal's 16
    (JournalQuery(date_from=D(2020, 6, 1), date_to=D(2020, 9, 30)), 8),
    (JournalQuery(date_from=D(2020, 7, 1)), 10),
    (JournalQuery(date_to=D(2020, 5, 10)), 9),
    (JournalQuery(account="1110"), 4),
    (JournalQuery(segment="b"), 9),
    (JournalQuery(amount_min=50, amount_max=100), 8),  # |amount| in range: ±50 twice, ±70, ±100
    (JournalQuery(amount_min=300), 8),
    (JournalQuery(memo="事業間"), 4),
    (JournalQuery(memo="損益"), 4),
    (JournalQuery(segment="b", account="2190", date_from=D(2020, 6, 30), date_to=D(2020, 6, 30), amount_min=50,
                  amount_max=50, memo="立替"), 1),
    (JournalQuery(memo="100%"), 0),  # % is a character, not a wildcard
    (JournalQuery(memo="_"), 0),
])
def test_search_combines_every_condition(mini, query, expected):
    page = mini.search(query, per_page=100)
    assert page.count == len(page.rows) == expected
    assert page.total_yen == sum(r.posted for r in page.rows)
    assert [r.date for r in page.rows] == sorted(r.date for r in page.rows)


def test_search_amounts_compare_by_magnitude(mini):
    rows = mini.search(JournalQuery(amount_min=70, amount_max=70)).rows
    assert sorted(r.posted for r in rows) == [-70, 70]


def test_search_pages(mini):
    whole = mini.search(JournalQuery(), per_page=100)
    pages = [mini.search(JournalQuery(), page=n, per_page=5) for n in (1, 2, 3, 4, 5)]
    assert [len(p.rows) for p in pages] == [5, 5, 5, 5, 3] and pages[0].pages == 5
    assert [i for p in pages for i in _ids(p)] == _ids(whole)


@pytest.mark.parametrize(("query", "field"), [
    (JournalQuery(account="9999"), "account"),
    (JournalQuery(segment="zz"), "segment"),
    (JournalQuery(date_from=D(2021, 1, 1), date_to=D(2020, 1, 1)), "date_to"),
    (JournalQuery(amount_min=-5), "amount_min"),
    (JournalQuery(amount_min=10, amount_max=5), "amount_max"),
])
def test_a_bad_search_names_its_field(mini, query, field):
    with pytest.raises(app.BadInput) as info:
        mini.search(query)
    assert [p.field for p in info.value.problems] == [field]


def test_search_csv_neutralises_formulas(mini):
    mini.reverse("J1", "R1", D(2020, 7, 1), memo='=HYPERLINK("http://example.com","x")')
    text = mini.search_csv(JournalQuery(memo="hyperlink"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["entry", "line", "date", "kind", "memo", "segment", "account", "account_name", "amount", "flow",
                       "partner"]
    assert len(rows) == 3 and all(r[4].startswith("'=HYPERLINK") for r in rows[1:])
    assert sorted(int(r[8]) for r in rows[1:]) == [-300, 300]
    everything = list(csv.reader(io.StringIO(mini.search_csv(JournalQuery()))))
    assert len(everything) == 1 + mini.search(JournalQuery()).count


def test_search_csv_refuses_beyond_its_limit(mini, monkeypatch):
    from kessan.app import journal

    monkeypatch.setattr(journal, "CSV_LIMIT", 3)
    with pytest.raises(app.Refused, match="narrow it"):
        mini.search_csv(JournalQuery())
    assert mini.search_csv(JournalQuery(account="1110", segment="a")).count("\n") == 4  # header + 3


def test_the_cli_faces(mini_dir, db_url):
    from typer.testing import CliRunner

    from kessan.cli import app as cli

    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    env = {"COLUMNS": "200"}
    shown = runner.invoke(cli, ["drilldown", "貸借対照表|現金及び預金|金額", "--db", db_url], env=env)
    assert shown.exit_code == 0, shown.output
    assert "J1" in shown.output and "total 1,750" in shown.output
    total = runner.invoke(cli, ["drilldown", "貸借対照表|資産合計|金額", "--db", db_url], env=env)
    assert total.exit_code == 0 and "formula" in total.output and "+ 貸借対照表 / 現金及び預金 / 金額: 1750" in total.output
    found = runner.invoke(cli, ["search", "--memo", "損益", "--csv", "--db", db_url])
    assert found.exit_code == 0 and found.output.count("\n") == 5 and found.output.startswith("entry,line,date")
    bad = runner.invoke(cli, ["search", "--from", "2020-13-01", "--db", db_url])
    assert bad.exit_code == 2 and "not a date" in bad.output
    unknown = runner.invoke(cli, ["drilldown", "貸借対照表|なし|金額", "--db", db_url])
    assert unknown.exit_code == 2 and "no figure" in unknown.output

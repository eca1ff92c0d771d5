"""Drafts and their approval (承認フロー) through kessan.app, on SQLite and PostgreSQL:
submission checked like the loader with located errors, import of a journal file in one
transaction, approval by another person posting the entry under the hash chain, rejection
with a reason, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kessan import app
from kessan.app import DraftEntry, DraftLine
from kessan.app.approvals import draft_code
from kessan.statements.engine import TOTAL, Source

D = dt.date
GOOD = DraftEntry(D(2020, 8, 1), "事業収入の受領 (下書き)",
                  (DraftLine("1110", "a", 700, "op.jigyo"), DraftLine("4160", "a", -700)))
HEADER = "entry,date,kind,memo,segment,account,amount,flow,partner\n"


@pytest.fixture
def mini(mini_dir, db_url):
    with app.open_book(mini_dir, url=db_url, actor="clerk") as book:
        yield book


def _cash(book):
    return next(c for _, _, c in book.report(2020).cells()
                if isinstance(c.source, Source) and c.source.kind == "postings" and c.source.view == TOTAL
                and c.source.accounts == ("1110",) and c.source.basis in (None, "closing"))


def test_submit_then_approve_posts_the_entry_and_moves_the_statement(mini):
    before = _cash(mini).yen
    draft_id = mini.submit_draft(GOOD)
    [pending] = mini.drafts()
    assert (pending.id, pending.status, pending.submitted_by, pending.entry, pending.source) == (
        draft_id, "pending", "clerk", GOOD, "draft")
    assert _cash(mini).yen == before  # a draft is not in the books
    code = mini.approve(draft_id, actor="approver")
    assert code == draft_code(draft_id)
    assert _cash(mini).yen == before + 700
    assert mini.drilldown(_cash(mini).figure).total_yen == before + 700
    entry = mini.entry(code)
    assert [(e.kind, e.actor) for e in entry.events] == [("approve", "approver")]
    assert entry.chain_link is not None and entry.memo == GOOD.memo
    [done] = mini.drafts("approved")
    assert done.posted_entry == code and [e.status for e in done.events] == ["pending", "approved"]
    assert mini.drafts() == [] and mini.drafts(None) == [done]
    assert [(e.kind, e.actor) for e in mini.log() if e.kind in ("draft", "approve")] == [
        ("draft", "clerk"), ("approve", "approver")]
    assert all(r.passed for r in mini.verify())  # the hash chain covers the approved entry


def test_a_draft_keeps_the_entry_id_it_was_given(mini):
    draft_id = mini.submit_draft(GOOD._replace(entry_id="  J100 "))
    assert mini.draft(draft_id).entry.entry_id == "J100"
    assert mini.approve(draft_id, actor="approver") == "J100"
    with pytest.raises(app.BadInput) as info:
        mini.submit_draft(GOOD._replace(entry_id="J100"))
    assert [(p.field, p.message) for p in info.value.problems] == [("entry", "entry id 'J100' is taken by a posted entry")]


@pytest.mark.parametrize(("lines", "located"), [
    ((DraftLine("1110", "a", 700, "op.jigyo"), DraftLine("4160", "a", -600)), (None, "amount")),
    ((DraftLine("1110", "a", 700, "op.jigyo"), DraftLine("4160", "b", -700)), (None, "amount")),  # per segment
    ((DraftLine("1110", "a", 700), DraftLine("4160", "a", -700)), (1, "flow")),  # cash without a flow
    ((DraftLine("1110", "a", 50, "op.other_in"), DraftLine("2190", "a", -50)), (2, "partner")),  # 他事業勘定
    ((DraftLine("9999", "a", 700), DraftLine("4160", "a", -700)), (1, "account")),
    ((DraftLine("1210", "zz", 700), DraftLine("4160", "zz", -700)), (1, "segment")),
    ((DraftLine("1210", "a", 10**16), DraftLine("4160", "a", -(10**16))), (1, "amount")),
    ((DraftLine("1210", "a", 700),), (None, "amount")),  # one line
])
def test_a_bad_draft_is_refused_with_its_line_and_field(mini, lines, located):
    with pytest.raises(app.BadInput) as info:
        mini.submit_draft(GOOD._replace(lines=lines))
    assert located in [(p.line, p.field) for p in info.value.problems], info.value
    assert all(p.file == "draft" for p in info.value.problems)
    assert mini.drafts(None) == [] and not [e for e in mini.log() if e.kind == "draft"]


def test_a_draft_outside_an_open_year_is_refused(mini):
    with pytest.raises(app.BadInput, match="outside every declared fiscal year"):
        mini.submit_draft(GOOD._replace(date=D(2030, 1, 1)))
    with pytest.raises(app.BadInput, match="unknown entry kind"):
        mini.submit_draft(GOOD._replace(kind="opening"))


def test_nobody_approves_or_rejects_their_own_draft(mini):
    draft_id = mini.submit_draft(GOOD)
    with pytest.raises(app.Refused, match="another person must approve"):
        mini.approve(draft_id, actor="clerk")
    with pytest.raises(app.Refused, match="another person must reject"):
        mini.reject(draft_id, actor="clerk", reason="取り下げ")
    assert mini.draft(draft_id).status == "pending"


def test_reject_needs_a_reason_and_is_final(mini):
    draft_id = mini.submit_draft(GOOD)
    with pytest.raises(app.BadInput, match="give a reason"):
        mini.reject(draft_id, actor="approver", reason="  ")
    mini.reject(draft_id, actor="approver", reason="金額の誤り")
    d = mini.draft(draft_id)
    assert d.status == "rejected" and d.events[-1] == d.events[-1]._replace(actor="approver", reason="金額の誤り")
    assert d.posted_entry is None
    with pytest.raises(app.Refused, match="is rejected already"):
        mini.approve(draft_id, actor="other")
    with pytest.raises(app.Refused, match="is rejected already"):
        mini.reject(draft_id, actor="other", reason="again")
    assert [e.kind for e in mini.log() if e.kind in ("draft", "reject")] == ["draft", "reject"]
    # the id of a rejected draft is free again
    mini.submit_draft(GOOD._replace(entry_id="J200"))


def test_approved_once_only(mini):
    draft_id = mini.submit_draft(GOOD)
    mini.approve(draft_id, actor="approver")
    with pytest.raises(app.Refused, match="is approved already"):
        mini.approve(draft_id, actor="second")


def test_the_database_refuses_a_second_decision_and_any_change(mini):
    draft_id = mini.submit_draft(GOOD)
    mini.reject(draft_id, actor="approver", reason="x")
    with mini.engine.connect() as conn:
        for sql in ("UPDATE draft_line SET amount = 1", "DELETE FROM draft_event", "UPDATE draft SET memo = 'x'"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), conn.begin():
                conn.execute(sa.text(sql))
        with pytest.raises(sa.exc.IntegrityError), conn.begin():
            conn.execute(sa.text("INSERT INTO draft_event (draft_id, at, actor, status, reason) "
                                 "VALUES (:d, CURRENT_TIMESTAMP, 'x', 'approved', '')"), {"d": draft_id})


def test_approval_is_refused_once_the_year_is_not_open(mini):
    draft_id = mini.submit_draft(GOOD)
    mini.set_period(2020, "adjust")
    with pytest.raises(app.Refused, match="is ADJUSTING"):
        mini.approve(draft_id, actor="approver")
    assert mini.draft(draft_id).status == "pending"


def test_unknown_drafts_and_statuses(mini):
    with pytest.raises(app.NotFound):
        mini.approve(999, actor="approver")
    with pytest.raises(app.NotFound):
        mini.draft(999)
    with pytest.raises(app.BadInput, match="unknown draft status"):
        mini.drafts("done")


def test_segment_balances_for_the_live_form(mini):
    entry = GOOD._replace(lines=(DraftLine("2190", "a", 50, None, "b"), DraftLine("1110", "a", -50, "op.other_out"),
                                 DraftLine("5110", "b", 80), DraftLine("2190", "b", -50, None, "a")))
    balance = mini.segment_balances(entry)
    assert [(s.segment, s.debit, s.credit, s.difference) for s in balance.segments] == [
        ("a", 50, 50, 0), ("b", 80, 50, 30)]
    assert (balance.debit, balance.credit, balance.difference, balance.balanced) == (130, 100, 30, False)
    assert mini.segment_balances(GOOD).balanced


def test_import_a_journal_file_as_drafts(mini, tmp_path):
    path = tmp_path / "august.csv"
    path.write_text(HEADER + "K1,2020-08-01,regular,受領,a,1110,700,op.jigyo,\nK1,,,,a,4160,-700,,\n"
                    "K2,2020-08-02,regular,立替,a,2190,50,,b\nK2,,,,a,1110,-50,op.other_out,\n"
                    "K2,,,,b,5110,50,,\nK2,,,,b,2190,-50,,a\n", encoding="utf-8")
    ids = mini.import_drafts(path, actor="clerk")
    drafts = mini.drafts()
    assert [d.id for d in drafts] == list(ids) and [d.entry.entry_id for d in drafts] == ["K1", "K2"]
    assert [d.source for d in drafts] == ["august.csv:2", "august.csv:4"]
    assert drafts[1].entry.lines[0] == DraftLine("2190", "a", 50, None, "b")
    assert [mini.approve(i, actor="approver") for i in ids] == ["K1", "K2"]
    with pytest.raises(app.BadInput) as info:
        mini.import_drafts(path, actor="clerk")
    assert [(p.file, p.line, p.field) for p in info.value.problems] == [("august.csv", 2, "entry"), ("august.csv", 4, "entry")]


def test_a_bad_journal_file_stores_no_draft(mini, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "K1,2020-08-01,regular,受領,a,1110,700,op.jigyo,\nK1,,,,a,4160,-700,,\n"
                    "K2,2020-08-02,regular,誤り,a,1110,700,,\nK2,,,,a,4160,-600,,\n"
                    "K3,2020-13-01,regular,日付,a,1210,1,,\nK3,,,,a,4160,-1,,\n", encoding="utf-8")
    with pytest.raises(app.BadInput) as info:
        mini.import_drafts(path, actor="clerk")
    located = {(p.file, p.line, p.field) for p in info.value.problems}
    assert {("bad.csv", 4, "flow"), ("bad.csv", 4, "amount"), ("bad.csv", 6, "date")} <= located
    assert mini.drafts(None) == []
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER, encoding="utf-8")
    with pytest.raises(app.BadInput, match="no entry"):
        mini.import_drafts(empty)
    with pytest.raises(app.BadInput, match="file not found"):
        mini.import_drafts(tmp_path / "missing.csv")


def test_migration_0006_goes_down_and_up_again(db_url):
    from alembic import command
    from alembic.config import Config

    from kessan.store import db

    engine = db.make_engine(db_url)
    db.upgrade(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    assert "draft" not in sa.inspect(engine).get_table_names()
    assert "ix_posting_drill" not in {ix["name"] for ix in sa.inspect(engine).get_indexes("posting")}
    db.upgrade(engine)
    assert {"draft", "draft_line", "draft_event"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_an_entry_form_becomes_a_draft_or_located_problems():
    lines = [{"account": "1110", "segment": "a", "amount": "1,000", "flow": "op.jigyo"},
             {"account": "", "segment": "", "amount": "  "},  # a blank line of the form
             {"account": "4160", "segment": "a", "amount": "-1000", "flow": "", "partner": ""}]
    draft = app.draft_from_form("2020-08-01", " 受領 ", lines, entry_id=" K9 ")
    assert draft == DraftEntry(D(2020, 8, 1), "受領", (DraftLine("1110", "a", 1000, "op.jigyo"),
                                                      DraftLine("4160", "a", -1000)), "K9")
    with pytest.raises(app.BadInput) as info:
        app.draft_from_form("2020-02-30", "x", [{"account": "1110", "amount": "1e3"}, {"account": "4160"},
                                                 {"amount": "１０"}])
    assert [(p.line, p.field) for p in info.value.problems] == [(None, "date"), (1, "amount"), (2, "amount"),
                                                                (3, "amount")]
    with pytest.raises(app.BadInput, match="problems") as info:
        app.draft_from_form("", "x", [])
    assert [p.field for p in info.value.problems] == ["date"]


def test_a_search_form_becomes_a_query_or_located_problems():
    query = app.query_from_form({"date_from": "2020-04-01", "date_to": "", "amount_min": "1,000", "memo": " 受領 ",
                                 "account": "1110"})
    assert query == app.JournalQuery(date_from=D(2020, 4, 1), amount_min=1000, account="1110", memo="受領")
    assert app.query_from_form({}) == app.JournalQuery()
    with pytest.raises(app.BadInput) as info:
        app.query_from_form({"date_from": "2020/04/01", "amount_max": "many"})
    assert [p.field for p in info.value.problems] == ["date_from", "amount_max"]


def test_two_approvers_at_once_post_the_draft_once(mini_dir, db_url):
    import threading

    with app.open_book(mini_dir, url=db_url, actor="clerk") as book:
        draft_id = book.submit_draft(GOOD)
        before = _cash(book).yen
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def approve(who: str) -> None:
        with app.open_book(url=db_url, actor=who) as own:
            start.wait()
            try:
                outcomes.append(own.approve(draft_id))
            except app.AppError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("approver-1", "approver-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count(draft_code(draft_id)) == 1, outcomes
    [other] = [o for o in outcomes if isinstance(o, app.AppError)]
    assert isinstance(other, app.Refused) and "is approved already" in other.message
    with app.open_book(url=db_url, actor="auditor") as book:
        assert _cash(book).yen == before + 700 and book.draft(draft_id).status == "approved"
        assert all(r.passed for r in book.verify())

"""The closing run: generated entries, dry run, idempotent re-run, replacement, period lock."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from kessan.cli import app
from kessan.ledger.model import Entry, Posting
from kessan.store.audit import Event

runner = CliRunner()
TEST_EVENT = Event("pytest", "post", "a test posts entries")


def _without_hand_closing(book):
    text = (book / "journal.csv").read_text(encoding="utf-8")
    kept = "".join(line for line in text.splitlines(True) if not line.startswith("J4,"))
    (book / "journal.csv").write_text(kept, encoding="utf-8")


def _figs(db_url) -> dict:
    out = runner.invoke(app, ["figures", "--db", db_url]).stdout.strip().splitlines()[1:]
    return {tuple(r.split(",")[:3]): int(r.split(",")[3]) for r in out}


def _add_fixed_assets(book):
    with open(book / "accounts.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[account]]\ncode = "141"\nname = "建物"\nkind = "asset"\n'
                 '\n[[account]]\ncode = "149"\nname = "建物減価償却累計額"\nkind = "asset"\n'
                 '\n[[account]]\ncode = "514"\nname = "減価償却費"\nkind = "expense"\n')
    with open(book / "flows.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[flow]]\ncode = "fa.depreciation"\nname = "当期償却額"\napplies_to = "any"\nroles = ["depreciation"]\n'
                 '\n[[flow]]\ncode = "inv.ppe_out"\nname = "有形固定資産取得による支出"\napplies_to = "cash"\n')
    with open(book / "journal.csv", "a", encoding="utf-8") as fh:
        fh.write("B1,2020-10-01,regular,建物取得,a,141,1000000,,\nB1,,,,a,111,-1000000,inv.ppe_out,\n")
    bs = (book / "layouts" / "10_bs.toml").read_text(encoding="utf-8")
    bs = bs.replace('formula = "cash + receivables"', 'formula = "cash + receivables + buildings"')
    bs += '\n[[line]]\nid = "buildings"\nlabel = "建物"\naccounts = ["141", "149"]\n'
    (book / "layouts" / "10_bs.toml").write_text(bs, encoding="utf-8")
    pl = (book / "layouts" / "20_pl.toml").read_text(encoding="utf-8")
    pl = pl.replace('accounts = ["511"]', 'accounts = ["511", "514"]')
    (book / "layouts" / "20_pl.toml").write_text(pl, encoding="utf-8")
    cf = (book / "layouts" / "50_cf.toml").read_text(encoding="utf-8").replace(
        'formula = "receipts + payments"', 'formula = "receipts + payments + ppe_out"')
    cf += ('\n[[line]]\nid = "ppe_out"\nlabel = "有形固定資産取得による支出"\naccounts = ["111"]\nbasis = "movement"\n'
           'flows = ["inv.ppe_out"]\n')
    (book / "layouts" / "50_cf.toml").write_text(cf, encoding="utf-8")
    (book / "subledgers").mkdir()
    (book / "subledgers" / "fixed_assets.csv").write_text(
        "asset,name,segment,cost_account,contra_account,expense_account,method,useful_life,lease_months,in_use,cost,"
        "grant_account,funded_amount,disposed,opening_accumulated,opening_year,revised_base\n"
        "A1,本部建物附属設備,a,141,149,514,declining_200,10,,2020-10-01,1000000,,,,,,\n", encoding="utf-8")


def test_income_close_is_generated_and_idempotent(mini_dir, db_url, tmp_path):
    reference = _figs_of_dir(mini_dir)  # with the hand-written 損益振替
    _without_hand_closing(mini_dir)
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    dry = runner.invoke(app, ["close", "--db", db_url, "--year", "2020", "--dry-run"], env={"COLUMNS": "160"})
    assert dry.exit_code == 0, dry.output
    assert "income_close" in dry.output and "v1: 2 entries" in dry.output and "nothing posted" in dry.output
    assert _figs(db_url) != reference  # the dry run posted nothing
    first = runner.invoke(app, ["close", "--db", db_url, "--year", "2020"])
    assert "posted 2 closing entries, 0 reversals" in first.output, first.output
    assert _figs(db_url) == reference  # generated 損益振替 = the hand-written one
    again = runner.invoke(app, ["close", "--db", db_url, "--year", "2020"])
    assert "income_close             unchanged" in again.output
    assert "posted 0 closing entries" in again.output
    assert _figs(db_url) == reference


def test_changed_ledger_replaces_the_step_not_duplicates(mini_dir, db_url):
    _without_hand_closing(mini_dir)
    runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    runner.invoke(app, ["close", "--db", db_url, "--year", "2020"])
    import datetime as dt

    from kessan.ledger.model import Entry, Posting
    from kessan.store import db, repo

    engine = db.make_engine(db_url)
    repo.post_entries(engine, "mini", [Entry("LATE", dt.date(2021, 3, 30), "regular", "追加収入",
                                             (Posting("b", "111", 40, "op.jigyo"), Posting("b", "411", -40)))], TEST_EVENT)
    result = runner.invoke(app, ["close", "--db", db_url, "--year", "2020"])
    assert "v2: 2 entries, replacing 2" in result.output
    assert "posted 2 closing entries, 2 reversals" in result.output
    figs = _figs(db_url)
    assert figs[("損益計算書", "当期純利益", "金額")] == 290
    assert figs[("貸借対照表", "積立金", "金額")] == 1_790  # once, not twice
    assert figs[("純資産変動計算書", "当期純利益", "金額")] == 290
    check = runner.invoke(app, ["check", "--db", db_url])
    assert check.exit_code == 0, check.output
    engine.dispose()


def test_depreciation_from_the_fixed_asset_register(mini_dir, db_url):
    _without_hand_closing(mini_dir)
    _add_fixed_assets(mini_dir)
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    result = runner.invoke(app, ["close", str(mini_dir), "--db", db_url, "--year", "2020"])
    assert result.exit_code == 0, result.output
    assert "depreciation             v1: 1 entries" in result.output
    # 200% 定率法, 10 years (0.200), in use from October: 1,000,000 × 0.200 × 6/12 = 100,000
    figs = _figs(db_url)
    assert figs[("損益計算書", "事業費", "金額")] == 50 + 100_000
    from kessan.store import db, repo

    engine = db.make_engine(db_url)
    dep = repo.fetch_entry(engine, "mini", "CL2020-depreciation-v1-0001")
    assert sorted(p.amount for p in dep.postings) == [-100_000, 100_000]
    assert {p.account for p in dep.postings} == {"514", "149"}
    assert [p.flow for p in dep.postings if p.account == "149"] == ["fa.depreciation"]
    # the 損益振替 ran after depreciation and closed it too
    close = repo.fetch_entry(engine, "mini", "CL2020-income_close-v1-0001")
    assert any(p.account == "514" and p.amount == -100_000 for p in close.postings)
    engine.dispose()
    assert runner.invoke(app, ["check", "--db", db_url]).exit_code == 0


def test_close_refused_in_closed_year(mini_dir, db_url):
    _without_hand_closing(mini_dir)
    runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    runner.invoke(app, ["period", "adjust", "--year", "2020", "--db", db_url])
    assert "posted 2" in runner.invoke(app, ["close", "--db", db_url, "--year", "2020"]).output  # ADJUSTING: allowed
    runner.invoke(app, ["period", "close", "--year", "2020", "--db", db_url])
    import datetime as dt

    from kessan.ledger.model import Entry, Posting
    from kessan.store import db, repo

    engine = db.make_engine(db_url)
    repo.post_entries(engine, "mini", [Entry("NEXT", dt.date(2021, 4, 2), "regular", "翌期", (
        Posting("a", "111", 1, "op.jigyo"), Posting("a", "411", -1)))], TEST_EVENT)
    engine.dispose()
    # the 2020 batch is unchanged, so a re-run posts nothing and is harmless …
    assert runner.invoke(app, ["close", "--db", db_url, "--year", "2020"]).exit_code == 0
    # … but a changed batch cannot be posted into the CLOSED year
    result = runner.invoke(app, ["close", "--db", db_url, "--year", "2021"])
    assert result.exit_code == 0  # 2021 is open


def _figs_of_dir(book) -> dict:
    out = runner.invoke(app, ["figures", str(book)]).stdout.strip().splitlines()[1:]
    return {tuple(r.split(",")[:3]): int(r.split(",")[3]) for r in out}


def test_maturity_buckets_of_the_securities_register():
    import datetime as dt

    from kessan.closing.notes import maturity_bucket

    end = dt.date(2021, 3, 31)
    assert maturity_bucket(dt.date(2021, 3, 31), end) == "1年以内"
    assert maturity_bucket(dt.date(2022, 3, 31), end) == "1年以内"
    assert maturity_bucket(dt.date(2022, 4, 1), end) == "1年超2年以内"
    assert maturity_bucket(dt.date(2023, 9, 20), end) == "2年超3年以内"
    assert maturity_bucket(dt.date(2025, 7, 15), end) == "4年超5年以内"
    assert maturity_bucket(dt.date(2026, 4, 1), end) == "5年超"


def test_bad_securities_register_is_rejected(mini_dir, db_url):
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / "securities.csv").write_text(
        "security,name,segment,account,face_value,maturity,purpose\nS1,債券,a,131,1e8,2023-13-01,満期保有目的\n",
        encoding="utf-8")
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2
    assert "subledgers/securities.csv:2 [face_value]" in result.output
    assert "subledgers/securities.csv:2 [maturity]" in result.output


def test_lease_schedule_gives_repayment_buckets_and_current_portion(mini_dir, db_url):
    _without_hand_closing(mini_dir)
    with open(mini_dir / "accounts.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[account]]\ncode = "2160"\nname = "リース債務(流動)"\nkind = "liability"\nroles = ["lease_current"]\n'
                 '\n[[account]]\ncode = "2270"\nname = "リース債務(固定)"\nkind = "liability"\nroles = ["lease_noncurrent"]\n'
                 '\n[[account]]\ncode = "1340"\nname = "リース資産"\nkind = "asset"\n')
    with open(mini_dir / "journal.csv", "a", encoding="utf-8") as fh:
        fh.write("LS1,2021-03-01,regular,リース契約 (60箇月),a,1340,6000000,,\nLS1,,,,a,2270,-6000000,,\n")
    bs = (mini_dir / "layouts" / "10_bs.toml").read_text(encoding="utf-8")
    bs = bs.replace('formula = "cash + receivables"', 'formula = "cash + receivables + lease_asset"')
    bs = bs.replace('formula = "payables + inter_segment"',
                    'formula = "payables + inter_segment + lease_current + lease_noncurrent"')
    bs += ('\n[[line]]\nid = "lease_asset"\nlabel = "リース資産"\naccounts = ["1340"]\n'
           '\n[[line]]\nid = "lease_current"\nlabel = "リース債務(流動)"\naccounts = ["2160"]\n'
           '\n[[line]]\nid = "lease_noncurrent"\nlabel = "リース債務(固定)"\naccounts = ["2270"]\n')
    (mini_dir / "layouts" / "10_bs.toml").write_text(bs, encoding="utf-8")
    (mini_dir / "layouts" / "60_lease_buckets.toml").write_text(
        '[statement]\nid = "lease_buckets"\ntitle = "リース債務の返済予定額"\ntable = "注記_リース債務の返済予定額"\norder = 60\n'
        + "".join(f'\n[[column]]\nid = "b{n}"\nname = "{name}"\nrole = "b{n}"\n' for n, name in
                  enumerate(["1年以内", "1年超2年以内", "2年超3年以内", "3年超4年以内", "4年超5年以内", "5年超"], 1))
        + '\n[[line]]\nid = "lease"\nlabel = "リース債務"\ninputs = { '
        + ", ".join(f'b{n} = "lease.maturity.{n}"' for n in range(1, 7)) + ' }\n', encoding="utf-8")
    (mini_dir / "subledgers").mkdir()
    (mini_dir / "subledgers" / "leases.csv").write_text(
        "lease,segment,first_due,term_months,amount,monthly_rate,payment\nLS1,a,2021-04-30,60,6000000,,\n", encoding="utf-8")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    result = runner.invoke(app, ["close", str(mini_dir), "--db", db_url, "--year", "2020"])
    assert "lease_reclassification   v1: 1 entries" in result.output, result.output
    figs = _figs(db_url)
    # 利子込み法: 60 instalments of 100,000 from 2021-04-30, all after the year end
    assert figs[("貸借対照表", "リース債務(流動)", "金額")] == 1_200_000
    assert figs[("貸借対照表", "リース債務(固定)", "金額")] == 4_800_000
    assert [figs[("注記_リース債務の返済予定額", "リース債務", c)] for c in
            ("1年以内", "1年超2年以内", "2年超3年以内", "3年超4年以内", "4年超5年以内", "5年超")] == \
        [1_200_000, 1_200_000, 1_200_000, 1_200_000, 1_200_000, 0]


def test_the_batch_is_planned_without_a_database_and_a_rerun_posts_nothing(mini_dir):
    """closing/batch.py is pure: book, balances and earlier runs' entries in, entries to post out."""
    from kessan.closing import batch
    from kessan.closing.state import ClosingState
    from kessan.io import reader
    from kessan.ledger.subledgers import Subledgers

    _without_hand_closing(mini_dir)
    book, entries = reader.read_all(mini_dir)
    cells = ClosingState(book, 2020, ()).with_entries([e for e in entries if e.kind != "appropriation"]).cells
    first = batch.plan(book, 2020, cells, [], Subledgers())
    posted = batch.batch_entries(first)
    assert [e.id for e in posted] == ["CL2020-income_close-v1-0001", "CL2020-income_close-v1-0002"]
    assert batch.batch_counts(first) == (0, 2)
    closed = ClosingState(book, 2020, cells).with_entries(posted).cells
    again = batch.plan(book, 2020, closed, posted, Subledgers())
    assert all(p.unchanged for p in again) and batch.batch_entries(again) == [] and batch.batch_counts(again) == (0, 0)
    # a late revenue changes the 損益振替: the previous version is reversed, v2 replaces it
    late = Entry("LATE", dt.date(2021, 3, 30), "regular", "追加収入",
                 (Posting("b", "111", 40, "op.jigyo"), Posting("b", "411", -40)))
    changed = batch.plan(book, 2020, ClosingState(book, 2020, closed).with_entries([late]).cells, posted, Subledgers())
    assert [e.id for e in batch.batch_entries(changed)] == [
        "CL2020-income_close-v1-0001-R", "CL2020-income_close-v1-0002-R",
        "CL2020-income_close-v2-0001", "CL2020-income_close-v2-0002"]
    assert batch.batch_counts(changed) == (2, 2)


def test_earlier_runs_are_found_by_their_exact_code_prefix(mini_dir, db_url):
    """store.repo.closing_entries matches ``CL<year>-`` case-sensitively on SQLite as on
    PostgreSQL: a journal entry coded ``cl2020-…`` is an ordinary entry, not a closing run's."""
    from kessan.store import db, repo

    _without_hand_closing(mini_dir)
    with open(mini_dir / "journal.csv", "a", encoding="utf-8") as fh:
        fh.write("cl2020-manual,2020-07-01,regular,手入力,a,111,5,op.jigyo,\ncl2020-manual,,,,a,411,-5,,\n")
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    assert "posted 2 closing entries" in runner.invoke(app, ["close", "--db", db_url, "--year", "2020"]).output
    engine = db.make_engine(db_url)
    with engine.connect() as conn:
        codes = [e.id for e in repo.closing_entries(conn, "mini", 2020)]
        assert codes == ["CL2020-income_close-v1-0001", "CL2020-income_close-v1-0002"]
        assert repo.closing_entries(conn, "mini", 2021) == []
    engine.dispose()
    assert _figs(db_url)[("損益計算書", "当期純利益", "金額")] == 255  # 250 + the manual 5
    assert "income_close             unchanged" in runner.invoke(app, ["close", "--db", db_url, "--year", "2020"]).output


def test_a_step_compares_postings_with_and_without_a_flow():
    """Found by scripts/fuzz: two postings alike but for one having a flow and the other none
    could not be ordered, and the comparison with an earlier run raised TypeError."""
    from kessan.closing.batch import StepPlan

    a = Entry("A", dt.date(2021, 3, 31), "closing", "x", (Posting("a", "111", 5, "op.jigyo"), Posting("a", "111", 5, None),
                                                          Posting("a", "411", -10)))
    b = a._replace(postings=(a.postings[1], a.postings[0], a.postings[2]))
    assert StepPlan("s", 2, [a], [b]).unchanged
    assert not StepPlan("s", 2, [a], [a._replace(postings=(Posting("a", "111", 10, None), Posting("a", "411", -10)))]).unchanged

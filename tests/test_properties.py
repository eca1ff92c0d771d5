"""Property tests over random balanced multi-segment journals (hypothesis).

For any valid journal: the trial balance is zero in every segment, the balance sheet
balances for the organisation and each segment, segment columns minus 相殺等 equal 合計 on
every line, every check passes, and reloading the same book gives identical figures.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kessan.app import OpenBook
from kessan.app import load as load_dir
from kessan.statements.engine import ELIM, TOTAL
from kessan.store import db

from .conftest import MINI

SEGMENTS = ["a", "b"]
# (account, flow) pairs a random entry may use against cash or another account
PAIRS = [("411", None), ("511", None), ("131", None), ("211", None)]
amounts = st.integers(min_value=1, max_value=10**12)


@st.composite
def entry_rows(draw, n: int):
    kind = draw(st.sampled_from(["simple", "cash", "inter", "internal_trade"]))
    day = f"2020-{draw(st.integers(4, 12)):02d}-{draw(st.integers(1, 28)):02d}"
    amount = draw(amounts)
    seg = draw(st.sampled_from(SEGMENTS))
    other = "b" if seg == "a" else "a"
    eid = f"P{n}"
    if kind == "simple":
        acc1, acc2 = draw(st.sampled_from(PAIRS))[0], draw(st.sampled_from(PAIRS))[0]
        return [(eid, day, "regular", "振替", seg, acc1, amount, "", ""), (eid, "", "", "", seg, acc2, -amount, "", "")]
    if kind == "cash":
        acc = draw(st.sampled_from(PAIRS))[0]
        sign = draw(st.sampled_from([1, -1]))
        flow = "op.jigyo" if sign > 0 else "op.other_out"
        return [(eid, day, "regular", "入出金", seg, "111", sign * amount, flow, ""),
                (eid, "", "", "", seg, acc, -sign * amount, "", "")]
    if kind == "inter":  # seg pays cash on behalf of other: 他事業勘定 on both sides
        return [(eid, day, "regular", "立替", seg, "291", amount, "", other),
                (eid, "", "", "", seg, "111", -amount, "op.other_out", ""),
                (eid, "", "", "", other, "511", amount, "", ""),
                (eid, "", "", "", other, "291", -amount, "", seg)]
    return [(eid, day, "regular", "事業間取引", seg, "131", amount, "", other),
            (eid, "", "", "", seg, "411", -amount, "", other),
            (eid, "", "", "", other, "511", amount, "", seg),
            (eid, "", "", "", other, "211", -amount, "", seg)]


journals = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(*[entry_rows(i) for i in range(n)]))


def _write_book(rows, folder: Path) -> Path:
    book = folder / "mini"
    shutil.copytree(MINI, book)
    lines = ["entry,date,kind,memo,segment,account,amount,flow,partner"]
    result: dict[tuple[str, str], int] = {}
    for entry in rows:
        for r in entry:
            lines.append(",".join(str(x) for x in r))
            if r[5] in ("411", "511"):
                result[(r[4], r[5])] = result.get((r[4], r[5]), 0) + r[6]
    # 損益振替: close each segment's revenue and expense into its 積立金 (flow net_income)
    closing = [(seg, acc, -amt) for (seg, acc), amt in sorted(result.items()) if amt]
    for seg in SEGMENTS:
        net = sum(a for s, _, a in closing if s == seg)
        if net:
            closing.append((seg, "311", -net))
    for i, (seg, acc, amt) in enumerate(closing):
        head = "CLOSE,2021-03-31,closing,損益振替" if i == 0 else "CLOSE,,,"
        lines.append(f"{head},{seg},{acc},{amt},net_income,")
    (book / "journal.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return book


def _opened(engine):
    return OpenBook(engine, "mini")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=journals)
def test_random_journals_keep_every_invariant(rows, db_url):
    with tempfile.TemporaryDirectory() as tmp:
        book = _write_book(rows, Path(tmp))
        figs = []
        # load into the database under test, then reload into a fresh SQLite file: same figures
        for url in (db_url, f"sqlite:///{tmp}/reload.db"):
            engine = db.make_engine(url)
            _reset(engine)
            load_dir(engine, book)
            opened = _opened(engine)
            ss = opened.statements(2020)
            if True:
                results = opened.checks(2020)
                assert all(r.passed for r in results), [r for r in results if not r.passed]
                for seg in SEGMENTS:  # trial balance per segment
                    assert sum(c.opening + c.movement for c in ss.cells if c.segment == seg) == 0
                for view in [*SEGMENTS, ELIM, TOTAL]:  # the balance sheet balances in every column
                    assert ss.value("bs", "total_assets", view) == ss.value("bs", "total_liabilities_net_assets", view)
                for layout in (ss.layouts["bs"], ss.layouts["pl"]):  # segments − 相殺等 = 合計
                    for ln in layout.lines:
                        if ln.has_amount:
                            segs = sum(ss.value(layout.id, ln, s) for s in SEGMENTS)
                            assert segs - ss.value(layout.id, ln, ELIM) == ss.value(layout.id, ln, TOTAL)
                figs.append(sorted((f.table, f.line, f.column, f.value) for f in opened.figures(2020)))
            engine.dispose()
        assert figs[0] == figs[1]


def _reset(engine) -> None:
    """Drop and recreate the schema: each hypothesis example starts from an empty database.

    Dropping tables is a test-only reset of the whole database, not an edit of entries.
    """
    from kessan.store.schema import metadata

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TABLE IF EXISTS " + ", ".join(t.name for t in metadata.sorted_tables)
                                 + ", alembic_version CASCADE")
            # every trigger function of the migrations (kessan_immutable, kessan_period_lock, kessan_append_only, …)
            functions = conn.exec_driver_sql("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                             "WHERE n.nspname = current_schema() AND p.proname LIKE 'kessan%%'").scalars().all()
            for name in functions:
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
        else:
            for t in reversed(metadata.sorted_tables):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {t.name}")
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.upgrade(engine)

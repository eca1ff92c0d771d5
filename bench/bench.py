#!/usr/bin/env python
"""Load and statement benchmark for kessan (a script, not a test).

    python bench/bench.py [--transactions N] [--db sqlite|postgresql|both] [--pg-url URL] [--keep]

1. Generates a synthetic book under bench/data/ (gitignored): the chart, flows, layouts,
   inputs and registers of examples/jlis-fy2020 plus opening.csv and journal.csv with N random but valid, balanced,
   multi-segment entries over FY2020 (fixed seed; ~3 postings per entry on average).
2. Per database, in a fresh subprocess (so peak memory is attributable to the load):
   creates a fresh database, runs the real load path (kessan.app.load: read CSV,
   validate, insert, aggregate, in one transaction) and reports postings/second.
3. In a second fresh subprocess against the stored database: times the full statement set
   (kessan.app.OpenBook: stored book, cube query, statement set and report model, i.e. every statement
   and every segment column) and, separately, OpenBook.checks.

Generation time is printed but is not part of the load figure. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from kessan import app

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "jlis-fy2020"
DATA = HERE / "data"
SEED = 20200401
GENERATOR = 5  # bump when generate() changes, so --keep does not reuse a stale book
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_BENCH_DB = "kessan_bench"

# Targets (SQLite, 2-core machine).
TARGET_RATE = 250_000  # postings/s
TARGET_STATEMENTS = 1.0  # s
TARGET_PEAK_MIB = 1024

# ---------------------------------------------------------------- generation

SEGMENTS = ["general", "residents", "jpki", "card", "middle", "lgwan", "residents_related", "digital"]
CASH = "1110"
INTER = "2190"

CASH_IN = {  # revenue account -> cash-flow code
    "4110": "op.jigyo_futankin", "4120": "op.kofukin", "4130": "op.kofukin", "4140": "op.futankin",
    "4150": "op.futankin", "4160": "op.jigyo", "4170": "op.tesuryo", "4180": "op.tesuryo",
    "4190": "op.hakko", "4200": "op.tesuryo", "4210": "op.hojokin", "4510": "op.interest_in",
    "4520": "op.interest_in", "4530": "op.other_in", "4540": "op.other_in", "4550": "op.other_in",
    "4560": "op.other_in",
}
CASH_OUT = {  # expense account -> cash-flow code
    "5110": "op.outsourcing", "5120": "op.other_out", "5130": "op.other_out", "5150": "op.other_out",
    "5160": "op.personnel", "5170": "op.other_out", "5190": "op.other_out", "5210": "op.personnel",
    "5220": "op.other_out", "5230": "op.personnel", "5240": "op.outsourcing", "5250": "op.personnel",
    "5270": "op.other_out", "5290": "op.other_out", "5510": "op.interest_out", "5910": "op.tax",
}
INVEST = {  # asset account -> cash-flow code of its acquisition
    "1320": "inv.ppe_out", "1330": "inv.ppe_out", "1420": "inv.intangible_out",
    "1512": "inv.securities_out", "1520": "inv.other_out",
}
NONCASH_EXP = ["5140", "5260", "5811", "5820", "5830", "5840", "5110", "5130"]
ACCRUED = ["2110", "2130", "2140", "2150", "2220", "2230", "2240", "2250", "2260", "1321", "1311"]
# Liabilities whose notes roll the balance forward by flow (注記): an accrual carries its flow.
ROLL_FORWARD = {"2220": "prov.increase", "2240": "res.increase", "2250": "res.increase", "2260": "res.increase"}
RECEIVABLE = ["1210", "1220", "1230"]
REVENUE_NONCASH = ["4220", "4230", "4560", "4810"]
MEMOS = ["交付金収入", "委託費の支払", "保守料の支払", "人件費の支払", "手数料収入", "未払金計上",
         "減価償却", "事業間の資金移動", "事業間取引", "固定資産の取得", "賞与引当金繰入", "雑収入"]


def _amount(rnd: random.Random) -> int:
    return rnd.randint(1_000, 9_999_999)


def _entry(rnd: random.Random) -> tuple[str, list[tuple]]:
    """One random valid entry: (kind of pattern, [(segment, account, amount, flow, partner)])."""
    r = rnd.random()
    seg = rnd.choice(SEGMENTS)
    a = _amount(rnd)
    if r < 0.15:  # cash receipt
        acct, flow = rnd.choice(list(CASH_IN.items()))
        return [(seg, CASH, a, flow, ""), (seg, acct, -a, "", "")]
    if r < 0.30:  # cash payment / accrual, 2 postings
        if rnd.random() < 0.5:
            acct, flow = rnd.choice(list(CASH_OUT.items()))
            return [(seg, acct, a, "", ""), (seg, CASH, -a, flow, "")]
        accrued = rnd.choice(ACCRUED)
        return [(seg, rnd.choice(NONCASH_EXP), a, "", ""), (seg, accrued, -a, ROLL_FORWARD.get(accrued, ""), "")]
    if r < 0.48:  # invoice with several expense lines settled in cash (3 postings)
        (e1, f1), (e2, _) = rnd.sample(list(CASH_OUT.items()), 2)
        b = _amount(rnd)
        return [(seg, e1, a, "", ""), (seg, e2, b, "", ""), (seg, CASH, -(a + b), f1, "")]
    if r < 0.65:  # revenue accrued over several receivables (3 postings)
        b = _amount(rnd)
        return [(seg, rnd.choice(RECEIVABLE), a, "", ""), (seg, rnd.choice(RECEIVABLE), b, "", ""),
                (seg, rnd.choice(REVENUE_NONCASH), -(a + b), "", "")]
    if r < 0.73:  # payroll: 4 postings
        b, c = _amount(rnd), rnd.randint(100, 999_999)
        return [(seg, "5160", a, "", ""), (seg, "5210", b, "", ""), (seg, "2130", -c, "", ""),
                (seg, CASH, -(a + b - c), "op.personnel", "")]
    if r < 0.80:  # acquisition of an asset: cash + payable (3 postings)
        acct, flow = rnd.choice(list(INVEST.items()))
        b = _amount(rnd)
        return [(seg, acct, a + b, "", ""), (seg, CASH, -a, flow, ""), (seg, "2110", -b, "", "")]
    other = rnd.choice([s for s in SEGMENTS if s != seg])
    if r < 0.86:  # one segment pays an expense of another through 他事業勘定 (4 postings)
        acct, flow = rnd.choice(list(CASH_OUT.items()))
        return [(seg, INTER, a, "", other), (seg, CASH, -a, flow, ""),
                (other, acct, a, "", ""), (other, INTER, -a, "", seg)]
    if r < 0.91:  # inter-segment cash transfer (4 postings, flow transfer)
        return [(seg, CASH, a, "transfer", other), (seg, INTER, -a, "", other),
                (other, INTER, a, "", seg), (other, CASH, -a, "transfer", seg)]
    if r < 0.96:  # inter-segment transaction (事業間取引): service between segments (4 postings)
        return [(seg, "1210", a, "", other), (seg, "4160", -a, "", other),
                (other, "5110", a, "", seg), (other, "2110", -a, "", seg)]
    # two-segment expense split settled in cash by each (6 postings)
    b = _amount(rnd)
    return [(seg, "5190", a, "", ""), (seg, "5290", b, "", ""), (seg, CASH, -(a + b), "op.other_out", ""),
            (other, "5190", a, "", ""), (other, "5290", b, "", ""), (other, CASH, -(a + b), "op.other_out", "")]


def _check_codes() -> None:
    """Fail early, and clearly, if the example chart no longer has a code the generator uses."""
    accounts = {a["code"] for a in tomllib.loads((EXAMPLE / "accounts.toml").read_text("utf-8"))["account"]}
    flows = {f["code"] for f in tomllib.loads((EXAMPLE / "flows.toml").read_text("utf-8"))["flow"]}
    segments = {x["code"] for x in tomllib.loads((EXAMPLE / "segments.toml").read_text("utf-8"))["segment"]}
    used_accounts = {CASH, INTER, "2110", "2130", "3100", "3210", "3230", "1210", "1320", "1321", "4160",
                     "5110", "5160", "5190", "5210", "5290", *CASH_IN, *CASH_OUT, *INVEST, *NONCASH_EXP,
                     *ACCRUED, *RECEIVABLE, *REVENUE_NONCASH}
    used_flows = {"transfer", "net_income", "dev_reserve_transfer", "op.personnel", "op.other_out",
                  *CASH_IN.values(), *CASH_OUT.values(), *INVEST.values(), *ROLL_FORWARD.values()}
    missing = sorted(used_accounts - accounts) + sorted(used_flows - flows) + sorted(set(SEGMENTS) - segments)
    if missing:
        raise SystemExit(f"bench: {EXAMPLE} no longer declares {', '.join(missing)}; update bench/bench.py")


def generate(book_dir: Path, n: int) -> tuple[int, int]:
    """Write the synthetic book; return (entries, postings) of the journal (opening included)."""
    _check_codes()
    final, book_dir = book_dir, book_dir.with_name(f"{book_dir.name}.tmp{os.getpid()}")
    shutil.rmtree(book_dir, ignore_errors=True)
    book_dir.mkdir(parents=True)
    for name in ("book.toml", "segments.toml", "accounts.toml", "flows.toml", "inputs.toml"):
        shutil.copy(EXAMPLE / name, book_dir / name)
    # the layouts' notes take inputs (時価) and register figures (lease.*, sec.*): copy their sources
    for folder in ("layouts", "subledgers"):
        shutil.copytree(EXAMPLE / folder, book_dir / folder)
    # but no leases: the lease note's 1年以内 ties to the balance sheet's current リース債務
    # (a check), and the random journal books no lease debt
    leases = book_dir / "subledgers" / "leases.csv"
    leases.write_text(leases.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    rnd = random.Random(SEED)

    # Opening balances: per segment, assets on the debit side, liabilities and net assets on
    # the credit side, summing to zero; one 他事業勘定 pair between general and card.
    opening_postings = 0
    with open(book_dir / "opening.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("segment,account,amount,partner\n")
        for seg in SEGMENTS:
            cash, recv, ppe = (rnd.randint(10**9, 10**10) for _ in range(3))
            dep = -rnd.randint(10**8, ppe // 2)
            liab = -rnd.randint(10**8, 10**9)
            capital = -rnd.randint(10**8, 10**9)
            reserve = -(cash + recv + ppe + dep + liab + capital)
            for acct, amt in (("1110", cash), ("1210", recv), ("1320", ppe), ("1321", dep),
                              ("2110", liab), ("3100", capital), ("3210", reserve)):
                fh.write(f"{seg},{acct},{amt},\n")
                opening_postings += 1
        fh.write("general,2190,5000000,card\ngeneral,1110,-5000000,\ncard,2190,-5000000,general\ncard,1110,5000000,\n")
        opening_postings += 4

    # Journal: entries spread evenly over the fiscal year, dates non-decreasing.
    start = dt.date(2020, 4, 1)
    days = 365
    pl: dict[tuple[str, str], int] = {}  # (segment, revenue/expense account) -> balance, for the closing
    pl_prefix = ("4", "5")
    postings = 0
    buf: list[str] = []
    with open(book_dir / "journal.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("entry,date,kind,memo,segment,account,amount,flow,partner\n")
        date_s = ""
        last_day = -1
        for i in range(n - 2):  # two slots kept for the closing and the appropriation entries
            day = i * days // n
            if day != last_day:
                date_s = (start + dt.timedelta(days=day)).isoformat()
                last_day = day
            rows = _entry(rnd)
            eid = f"J{i + 1:08d}"
            memo = MEMOS[i % len(MEMOS)]
            first = True
            for seg, acct, amt, flow, partner in rows:
                if first:
                    buf.append(f"{eid},{date_s},regular,{memo},{seg},{acct},{amt},{flow},{partner}\n")
                    first = False
                else:
                    buf.append(f"{eid},,,,{seg},{acct},{amt},{flow},{partner}\n")
                if acct[0] in pl_prefix:
                    key = (seg, acct)
                    pl[key] = pl.get(key, 0) + amt
            postings += len(rows)
            if len(buf) > 50_000:
                fh.write("".join(buf))
                buf.clear()
        # 損益振替: close every revenue and expense balance into 積立金, per segment.
        per_seg: dict[str, int] = {}
        first = True
        for (seg, acct), bal in sorted(pl.items()):
            if bal == 0:
                continue
            head = "JCLOSE,2021-03-31,closing,損益振替" if first else "JCLOSE,,,"
            first = False
            buf.append(f"{head},{seg},{acct},{-bal},net_income,\n")
            per_seg[seg] = per_seg.get(seg, 0) + bal
            postings += 1
        for seg, bal in per_seg.items():
            buf.append(f"JCLOSE,,,,{seg},3210,{bal},net_income,\n")
            postings += 1
        # 利益の処分 in the following year (FY2021): 積立金 -> システム開発積立金.
        buf.append("JAPPR,2021-06-30,appropriation,令和2年度利益の処分,general,3210,1000000,dev_reserve_transfer,\n")
        buf.append("JAPPR,,,,general,3230,-1000000,dev_reserve_transfer,\n")
        postings += 2
        fh.write("".join(buf))
    (book_dir / "GENERATED").write_text(json.dumps({"transactions": n, "seed": SEED, "generator": GENERATOR, "postings": postings,
                                                    "opening_postings": opening_postings}))
    shutil.rmtree(final, ignore_errors=True)
    book_dir.rename(final)  # complete books only, even with another run in parallel
    return n, postings + opening_postings


# ---------------------------------------------------------------- workers (run in subprocesses)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _busy_cpu() -> float | None:
    """CPU seconds used by the whole machine so far (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _OtherLoad:
    """CPU seconds the rest of the machine used meanwhile (steal included): a noisy-run flag."""

    def __enter__(self):
        self.busy, self.own = _busy_cpu(), _own_cpu()
        return self

    def __exit__(self, *exc):
        busy = _busy_cpu()
        self.seconds = None if busy is None or self.busy is None else max(0.0, busy - self.busy - (_own_cpu() - self.own))


def worker_load(url: str, book_dir: Path, chain: bool = True) -> dict:
    """The real load path; without ``chain``, the same with the hash chain's generators
    replaced by pass-throughs: the baseline the chain's cost is measured against."""
    if not chain:
        from kessan.store import repo  # noqa: PLC0415  (the baseline patches the store's chain out)

        def passthrough(batches, _head, _links):  # type: ignore[no-untyped-def]
            yield from batches

        repo._chained_sqlite = passthrough  # type: ignore[assignment]
        repo._chained_copy = passthrough  # type: ignore[assignment]
    base = _peak_mib()
    engine = app.open_database(url)
    with _OtherLoad() as other:
        t0 = time.perf_counter()
        loaded = app.load(engine, book_dir)
        elapsed = time.perf_counter() - t0
    engine.dispose()
    return {"book": loaded.book, "postings": loaded.postings, "load_s": elapsed, "peak_mib": _peak_mib(), "base_mib": base,
            "other_cpu_s": other.seconds}


def worker_report(url: str, book_code: str) -> dict:
    engine = app.open_database(url)
    book = app.OpenBook(engine, book_code)
    t0 = time.perf_counter()
    ss = book.statements()  # stored book, the cube query, the statement set
    t_cube = time.perf_counter() - t0
    figs = book.figures()  # the report model: every table, every segment column
    t_statements = time.perf_counter() - t0
    cells = ss.cells

    t0 = time.perf_counter()
    results = book.checks()
    t_checks = time.perf_counter() - t0
    t0 = time.perf_counter()
    verified = book.verify()
    t_verify = time.perf_counter() - t0
    results += [r for r in verified if not r.passed]
    engine.dispose()
    failed = [f"{r.name}: {r.detail}" for r in results if not r.passed]
    return {"verify_s": t_verify, "verified": len(verified), "statements_s": t_statements, "cube_s": t_cube,
            "figures": len(figs), "cells": len(cells), "checks_s": t_checks,
            "checks": len(results), "checks_failed": failed, "report_peak_mib": _peak_mib()}


def worker_publish(out: str) -> dict:
    """The example's package, in this fresh interpreter: open the book directory (load and
    close in memory), build the report model, then each format on its own."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with app.open_book(EXAMPLE) as book:
        times["open_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        book.report()
        times["report_s"] = time.perf_counter() - t
        for fmt in ("xlsx", "pdf", "html"):
            t = time.perf_counter()
            book.publish(Path(out) / fmt, (fmt,))
            times[f"{fmt}_s"] = time.perf_counter() - t
    times["total_s"] = time.perf_counter() - t0
    return times


def publish_wall(out: Path, runs: int = 3) -> list[float]:
    """Wall seconds of the command a user runs: `kessan publish examples/jlis-fy2020` (xlsx, pdf, html)."""
    exe = Path(sys.executable).with_name("kessan")
    walls = []
    for i in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([str(exe), "publish", str(EXAMPLE), "--out", str(out / f"cli-{i}")],
                              capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"bench: kessan publish failed (exit {done.returncode})")
    return walls


def _run_worker(kind: str, url: str, arg: str) -> dict:
    """Run one measurement in a fresh interpreter; the URL goes by environment, not argv."""
    env = {**os.environ, "KESSAN_BENCH_URL": url}
    proc = subprocess.run([sys.executable, __file__, "--worker", kind, arg], capture_output=True, text=True, env=env,
                          check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"bench: the {kind} worker failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- databases


def _pg_admin(url: str):
    u = make_url(url)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                           password=u.password, dbname=u.database or "postgres", autocommit=True)


def pg_create(url: str) -> str:
    with _pg_admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return make_url(url).set(database=PG_BENCH_DB).render_as_string(hide_password=False)


def pg_drop(url: str) -> None:
    with _pg_admin(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")


def sqlite_create() -> tuple[str, Path]:
    path = DATA / f"bench-{os.getpid()}.sqlite"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}", path


# ---------------------------------------------------------------- main


def _ok(flag: bool) -> str:
    return "ok" if flag else "MISSED"


TARGET_PUBLISH = 3.0  # s, wall, `kessan publish examples/jlis-fy2020` (xlsx + pdf + html)
TARGET_PDF = 1.5  # s


def bench_publish() -> bool:
    """Print the example package's times: the command's wall time, and each step on its own."""
    out = DATA / "publish"
    shutil.rmtree(out, ignore_errors=True)
    parts = _run_worker("publish", "", str(out))
    walls = publish_wall(out)
    print(f"publish (example): `kessan publish examples/jlis-fy2020` wall {min(walls):.2f} s best of "
          f"{len(walls)} ({', '.join(f'{w:.2f}' for w in walls)}); in one process: open (load + close in memory) "
          f"{parts['open_s']:.2f} s, report model {parts['report_s']:.3f} s, xlsx {parts['xlsx_s']:.2f} s, "
          f"pdf {parts['pdf_s']:.2f} s, html {parts['html_s']:.2f} s", flush=True)
    ok = min(walls) <= TARGET_PUBLISH and parts["pdf_s"] <= TARGET_PDF
    print(f"publish targets: package ≤ {TARGET_PUBLISH:g} s: {_ok(min(walls) <= TARGET_PUBLISH)}; "
          f"PDF ≤ {TARGET_PDF:g} s: {_ok(parts['pdf_s'] <= TARGET_PDF)}\n", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", "-n", type=int, default=1_000_000, help="journal entries (default 1,000,000)")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--pg-url", default=PG_DEFAULT, help=f"an existing PostgreSQL database to connect to; "
                    f"the benchmark creates and drops its own database {PG_BENCH_DB!r} (default {PG_DEFAULT})")
    ap.add_argument("--keep", action="store_true", help="keep the generated book and the databases, and "
                    "reuse a generated book of the same size on the next run")
    ap.add_argument("--worker", nargs=2, metavar=("KIND", "ARG"), help=argparse.SUPPRESS)
    ap.add_argument("--publish-only", action="store_true", help="only the example's package (no generated book)")
    args = ap.parse_args(argv)

    if args.worker:
        kind, arg = args.worker
        url = os.environ.get("KESSAN_BENCH_URL", "")
        workers = {"load": lambda: worker_load(url, Path(arg)), "load-nochain": lambda: worker_load(url, Path(arg), False),
                   "report": lambda: worker_report(url, arg),
                   "publish": lambda: worker_publish(arg)}
        result = workers[kind]()
        print(json.dumps(result))
        return 0

    DATA.mkdir(parents=True, exist_ok=True)
    publish_ok = bench_publish()
    if args.publish_only:
        return 0 if publish_ok else 1
    n = args.transactions
    if n < 10:
        ap.error("--transactions must be at least 10")
    book_dir = DATA / f"book-{n}"
    marker = book_dir / "GENERATED"
    meta = json.loads(marker.read_text()) if marker.exists() else None
    if meta and meta.get("transactions") == n and meta.get("seed") == SEED \
            and meta.get("generator") == GENERATOR:
        total_postings = meta["postings"] + meta["opening_postings"]
        print(f"generate: reusing {book_dir.relative_to(ROOT)} ({n:,} transactions, {total_postings:,} postings)")
    else:
        t0 = time.perf_counter()
        _, total_postings = generate(book_dir, n)
        size = (book_dir / "journal.csv").stat().st_size / 2**20
        print(f"generate: {n:,} transactions, {total_postings:,} postings, journal.csv {size:,.0f} MiB "
              f"in {time.perf_counter() - t0:.1f} s (not counted)")

    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    rows = []
    for name in dbs:
        if name == "sqlite":
            url, path = sqlite_create()
        else:
            try:
                url = pg_create(args.pg_url)
            except Exception as exc:  # report and go on with the other database
                print(f"postgresql: cannot create database {PG_BENCH_DB!r} via {args.pg_url}: {exc}")
                continue
        try:
            print(f"{name}: loading without the hash chain (the baseline) …", flush=True)
            baseline = _run_worker("load-nochain", url, str(book_dir))
            if name == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
            else:
                pg_drop(args.pg_url)
                url = pg_create(args.pg_url)
            print(f"{name}: loading …", flush=True)
            load = _run_worker("load", url, str(book_dir))
            load["baseline_s"] = baseline["load_s"]
            rate = load["postings"] / load["load_s"]
            other = load["other_cpu_s"]
            print(f"{name}: load {load['postings']:,} postings in {load['load_s']:.2f} s = {rate:,.0f} postings/s, "
                  f"peak {load['peak_mib']:,.0f} MiB"
                  + (f" (other processes{', the database server included,' if name == 'postgresql' else ''} "
                     f"used {other:.1f} CPU s meanwhile)" if other is not None else ""), flush=True)
            print(f"{name}: the hash chain costs {load['load_s'] / load['baseline_s'] - 1:+.1%} on the load "
                  f"({load['baseline_s']:.2f} s without it, {load['load_s']:.2f} s with it)", flush=True)
            rep = _run_worker("report", url, load["book"])
            print(f"{name}: verify ({rep['verified']} results) {rep['verify_s']:.2f} s", flush=True)
            print(f"{name}: statement set ({rep['figures']:,} figures from {rep['cells']:,} cube cells) "
                  f"{rep['statements_s']:.3f} s; checks ({rep['checks']} results, "
                  f"{len(rep['checks_failed'])} failed) {rep['checks_s']:.2f} s; peak {rep['report_peak_mib']:,.0f} MiB",
                  flush=True)
            for f in rep["checks_failed"]:
                print(f"{name}:   check FAILED {f}")
            rows.append((name, load, rate, rep))
        finally:
            if not args.keep:
                if name == "sqlite":
                    for suffix in ("", "-wal", "-shm"):
                        Path(str(path) + suffix).unlink(missing_ok=True)
                else:
                    pg_drop(args.pg_url)

    if not args.keep:
        shutil.rmtree(book_dir, ignore_errors=True)

    print()
    head = (f"{'database':<11}{'postings':>12}{'load s':>9}{'chain':>8}{'postings/s':>12}{'stmts s':>9}{'checks s':>10}"
            f"{'verify s':>10}{'peak MiB':>10}")
    print(head)
    print("-" * len(head))
    for name, load, rate, rep in rows:
        print(f"{name:<11}{load['postings']:>12,}{load['load_s']:>9.2f}{load['load_s'] / load['baseline_s'] - 1:>+8.1%}"
              f"{rate:>12,.0f}{rep['statements_s']:>9.3f}{rep['checks_s']:>10.2f}{rep['verify_s']:>10.2f}"
              f"{load['peak_mib']:>10,.0f}")
    for name, load, rate, rep in rows:
        if name == "sqlite":
            print(f"\nSQLite targets: load ≥ {TARGET_RATE:,} postings/s: {_ok(rate >= TARGET_RATE)}; "
                  f"statement set ≤ {TARGET_STATEMENTS:g} s: {_ok(rep['statements_s'] <= TARGET_STATEMENTS)}; "
                  f"peak ≤ {TARGET_PEAK_MIB:,} MiB: {_ok(load['peak_mib'] <= TARGET_PEAK_MIB)}; "
                  f"hash chain ≤ +15 %: {_ok(load['load_s'] <= 1.15 * load['baseline_s'])}; "
                  f"verify ≤ 15 s: {_ok(rep['verify_s'] <= 15)}")
    failed = any(rep["checks_failed"] for *_, rep in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

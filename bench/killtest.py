#!/usr/bin/env python
"""Kill test (a script, not a test): SIGKILL a large load or closing run at random moments and
check that nothing is half written and the ledger still verifies.

    python bench/killtest.py [--trials 100] [--transactions 100000] [--seed N]

A synthetic book (bench/bench.py's generator, kept under bench/data/) is loaded by `kessan
load` into a fresh SQLite file, and the process is killed with SIGKILL after a random delay
within the time a full load takes; every other trial kills `kessan close` instead, on a copy
of a database holding the loaded book. After each kill the database is opened again and:

* a load must have left either no book at all or the whole book (every entry);
* a closing run must have left either none of its entries or all of them;
* `kessan verify` must pass (hash chains, period states, the aggregate), whatever was left.

Printed: the trials, how many kills landed mid-write, partial writes (must be 0) and failed
verifications (must be 0). Exit 1 if either is not 0.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from kessan import app

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402  (the book generator of the benchmark)

KESSAN = Path(sys.executable).with_name("kessan")


def _run(args: list[str], kill_after: float | None) -> bool:
    """Run kessan; kill it after ``kill_after`` seconds. True if the kill landed before it ended."""
    proc = subprocess.Popen([str(KESSAN), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_after is None:
        return proc.wait() != 0
    try:
        proc.wait(timeout=kill_after)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def _entries(url: str) -> int | None:
    """Entries of the stored book, or None when no book is stored."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("book") or conn.execute(sa.text("SELECT COUNT(*) FROM book")).scalar() == 0:
                return None
            return int(conn.execute(sa.text("SELECT COUNT(*) FROM entry")).scalar_one())
    finally:
        engine.dispose()


def _verifies(url: str) -> bool:
    with app.open_book(url=url, actor="killtest") as book:
        return all(r.passed for r in book.verify())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--transactions", "-n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20210531)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    work = bench.DATA / "killtest"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    book_dir = bench.DATA / f"book-{args.transactions}"
    if not (book_dir / "GENERATED").exists():
        bench.generate(book_dir, args.transactions)
    # the reference runs: a whole load and a whole closing run, timed
    loaded = work / "loaded.db"
    t0 = time.perf_counter()
    _run(["load", str(book_dir), "--db", f"sqlite:///{loaded}"], None)
    load_s = time.perf_counter() - t0
    full = _entries(f"sqlite:///{loaded}")
    closed = work / "closed.db"
    shutil.copy(loaded, closed)
    t0 = time.perf_counter()
    _run(["close", str(book_dir), "--db", f"sqlite:///{closed}", "--year", "2020"], None)
    close_s = time.perf_counter() - t0
    after_close = _entries(f"sqlite:///{closed}")
    if full is None or after_close is None or after_close <= full:
        print(f"killtest: the reference runs did not work (entries {full}, after closing {after_close})")
        return 1
    print(f"killtest: book of {args.transactions:,} transactions ({full:,} entries): load {load_s:.1f} s, "
          f"closing run {close_s:.1f} s (+{after_close - full} entries); seed {args.seed}", flush=True)
    landed = partial = unverified = 0
    for trial in range(args.trials):
        db = work / f"trial-{trial}.db"
        url = f"sqlite:///{db}"
        if trial % 2 == 0:
            killed = _run(["load", str(book_dir), "--db", url], rng.uniform(0.05, load_s))
            left = _entries(url)
            whole = left in (None, full)
        else:
            shutil.copy(loaded, db)
            killed = _run(["close", str(book_dir), "--db", url, "--year", "2020"], rng.uniform(0.05, close_s))
            left = _entries(url)
            whole = left in (full, after_close)
        landed += killed
        if not whole:
            partial += 1
            print(f"  trial {trial}: PARTIAL WRITE ({left} entries)")
        if left and not _verifies(url):
            unverified += 1
            print(f"  trial {trial}: VERIFY FAILED")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"killtest: {args.trials} trials, {landed} kills landed mid-run; partial writes {partial}; "
          f"failed verifications {unverified}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if partial == 0 and unverified == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Year-end closing (決算整理), pure: ledger state and registers in, journal entries out.

* ``formulas`` — one pure function per closing formula, integer yen in and out, with its
  legal basis; the statutory depreciation rates are data (``data/depreciation_rates.csv``,
  loaded by ``rates``).
* ``schedules`` — what one register row yields over the years (depreciation, lease
  repayments, 資産除去債務 balances), computed once per row.
* ``state``, ``steps``, ``pipeline`` — ``ClosingState``, the steps (each ClosingState →
  entries) and their order; ``batch`` — a run compared with earlier runs (what to post).
* ``tieout`` — the registers tied to the ledger (C-10); ``notes`` — register figures the
  notes take as inputs.

closing imports ledger and io, never store: the caller reads the stored balances and posts
the batch (docs/closing.md).
"""

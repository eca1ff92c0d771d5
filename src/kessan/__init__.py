"""kessan: settlement accounting (決算) for Japanese public corporations.

Layers, each importing only the ones above it:

    ledger/      types and invariants (pure, no I/O)
    io/          reading a book directory into ledger types
    closing/     決算整理: registers and balances in, closing entries out (no SQL)
    store/       SQL schema, migrations, loading and aggregation
    statements/  layout files and the engine that evaluates them on aggregated balances
    checks.py    auditor tie-outs over statements and stored data
    figures.py   the figures contract (table,line,column,value) and reconcile
    render/      text, csv and json output
    cli.py       the `kessan` command
"""

__version__ = "0.1.0"

"""kessan: settlement accounting (決算) for Japanese public corporations.

The layers (docs/architecture.md; the contract is [tool.importlinter] in pyproject.toml),
each importing only the ones below it:

    cli.py       the `kessan` command: arguments in, the application called, output rendered
    app/         the application layer every face calls
    publish/     the package (Excel, PDF, HTML) from the report model
    render/      text, JSON and chart output of the report model
    report/      the report model, the figures contract and reconcile
    checks.py    auditor tie-outs over statements and stored data
    closing/ | statements/ | store/
                 決算整理 (pure) | layouts and the engine (pure) | SQL
    io/          reading a book directory into ledger types
    ledger/      types and invariants (pure, no I/O)
"""

__version__ = "0.1.0"

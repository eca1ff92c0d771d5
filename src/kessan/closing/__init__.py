"""Year-end closing (決算整理): one pure function per closing step.

Each function takes integer-yen amounts and plain parameters and returns integer yen; none
touches the ledger. The formulas and their legal basis are in ``formulas``; the statutory
depreciation rate table is data (``data/depreciation_rates.csv``) loaded by ``rates``.
"""

"""Storage: SQL schema, migrations, loading, aggregation queries."""

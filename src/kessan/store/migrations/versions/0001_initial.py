"""Initial schema: book, chart, journal, balances; immutability triggers.

Revision ID: 0001
Revises:
"""

from alembic import op

from kessan.store import schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

IMMUTABLE = "posted entries are immutable; post a reversing entry instead"


def upgrade() -> None:
    bind = op.get_bind()
    # Each revision creates a fixed list of tables from the schema module; a later change
    # to an existing table must be its own revision with op.* calls.
    schema.metadata.create_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0001])
    if bind.dialect.name == "sqlite":
        for table in ("entry", "posting"):
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
                )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION kessan_immutable() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{IMMUTABLE}'; END $$ LANGUAGE plpgsql"
        )
        for table in ("entry", "posting"):
            op.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kessan_immutable()"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kessan_immutable() CASCADE")
    schema.metadata.drop_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0001])

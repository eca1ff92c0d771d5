"""Audit trail, hash chains and append-only history, in the database itself:

* ``audit_event``: who did what and when (load, post, close, reverse, period change, publish),
  rows never updated or deleted;
* ``period_event``: never updated or deleted either, and a fiscal year's state changes only
  to the state its newest period event records (so the state and its history cannot part);
* an entry is reversed at most once (a unique index on the entry it reverses);
* ``chain_link`` and ``period_link``: the hash chains of store/chain.py, append-only.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from kessan.store import schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit trail and the period history are append-only"
UNRECORDED = "a fiscal year changes state only with its period event (kessan period)"
APPEND_ONLY_TABLES = ("audit_event", "period_event", "chain_link", "period_link")
STATE_GUARD = ("(SELECT to_state FROM period_event WHERE book_id = NEW.book_id AND year = NEW.year "
               "ORDER BY id DESC LIMIT 1)")


def upgrade() -> None:
    bind = op.get_bind()
    schema.metadata.create_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0005])
    op.create_index("uq_entry_reverses", "entry", ["book_id", "reverses"], unique=True)
    if bind.dialect.name == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
        op.execute("CREATE TRIGGER fiscal_year_state_recorded BEFORE UPDATE OF state ON fiscal_year "
                   f"WHEN NEW.state IS NOT {STATE_GUARD} BEGIN SELECT RAISE(ABORT, '{UNRECORDED}'); END")
        op.execute(f"CREATE TRIGGER fiscal_year_no_delete BEFORE DELETE ON fiscal_year "
                   f"BEGIN SELECT RAISE(ABORT, '{UNRECORDED}'); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION kessan_append_only() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql")
        for table in APPEND_ONLY_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION kessan_append_only()")
        op.execute("CREATE FUNCTION kessan_state_recorded() RETURNS trigger AS $$ BEGIN "
                   f"IF TG_OP = 'DELETE' OR NEW.state IS DISTINCT FROM {STATE_GUARD} THEN "
                   f"RAISE EXCEPTION '{UNRECORDED}'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER fiscal_year_state_recorded BEFORE UPDATE OR DELETE ON fiscal_year "
                   "FOR EACH ROW EXECUTE FUNCTION kessan_state_recorded()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        op.execute("DROP TRIGGER IF EXISTS fiscal_year_state_recorded")
        op.execute("DROP TRIGGER IF EXISTS fiscal_year_no_delete")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kessan_append_only() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS kessan_state_recorded() CASCADE")
    op.drop_index("uq_entry_reverses", "entry")
    schema.metadata.drop_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0005])

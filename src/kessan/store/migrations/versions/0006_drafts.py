"""Drafts and their approval (承認フロー), and the indices of drill-down and journal search:

* ``draft``, ``draft_line``: entries as a 会計担当 entered them, waiting for approval;
  ``draft_event``: their states (pending, then approved or rejected: who, when, why). All
  three are append-only in the database; a draft is decided at most once (a unique index
  on its deciding event), so two approvers at the same moment cannot both post it;
* ``ix_posting_drill``: the postings of an account, in posting order, with every column a
  figure's basis, view and flows select on and the amount, so a drill-down's page, count
  and total read this index alone (bench/drilldown.py);
* ``ix_entry_date``: entries by date, for a journal search by date range.

Revision ID: 0006_drafts
Revises: 0005
"""

from alembic import op

from kessan.store import schema

revision = "0006_drafts"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = "drafts and their decisions are append-only"
TABLES = ("draft", "draft_line", "draft_event")
# account first: a query that names no account (a search by date) must not take this index for
# the posting table's own key, which SQLite without statistics otherwise may
DRILL_COLUMNS = ["account_id", "book_id", "entry_no", "line_no", "fiscal_year", "kind", "segment_id", "partner_id",
                 "flow_id", "amount"]


def upgrade() -> None:
    bind = op.get_bind()
    schema.metadata.create_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0006_DRAFTS])
    op.create_index("ix_draft_event_draft", "draft_event", ["draft_id"])
    op.create_index("uq_draft_decided", "draft_event", ["draft_id"], unique=True,
                    sqlite_where=schema.draft_event.c.status != "pending",
                    postgresql_where=schema.draft_event.c.status != "pending")
    op.create_index("ix_posting_drill", "posting", DRILL_COLUMNS)
    op.create_index("ix_entry_date", "entry", ["book_id", "date", "entry_no"])
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE FUNCTION kessan_drafts_append_only() RETURNS trigger AS $$ BEGIN "
                   f"RAISE EXCEPTION '{APPEND_ONLY}'; END $$ LANGUAGE plpgsql")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION kessan_drafts_append_only()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kessan_drafts_append_only() CASCADE")
    op.drop_index("ix_entry_date", "entry")
    op.drop_index("ix_posting_drill", "posting")
    schema.metadata.drop_all(bind, tables=[schema.metadata.tables[t] for t in reversed(schema.TABLES_0006_DRAFTS)])

"""SQL schema (SQLAlchemy Core). Alembic migrations in store/migrations create it.

Design notes:

* ``entry`` and ``posting`` are append-only. Database triggers refuse UPDATE and DELETE
  on both (migration 0001), so immutability holds whatever the entry point.
* A posting carries its fiscal year, period (month of the year, April = 1) and entry
  kind, copied from its entry, so aggregation never needs a join.
* ``balance`` is the aggregate every statement reads: one row per
  (book, fiscal year, period, entry kind, segment, account, flow, partner). It is
  maintained in the same transaction as the postings it sums, by an INSERT … SELECT …
  GROUP BY in SQL, and ``kessan check`` re-derives it from the postings.
  Flow and partner use 0 for "none" so they can be part of the primary key.
"""

from __future__ import annotations

import sqlalchemy as sa

convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=convention)

book = sa.Table(
    "book",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("report_year", sa.Integer, nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
)

fiscal_year = sa.Table(
    "fiscal_year",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.CheckConstraint("state IN ('OPEN','ADJUSTING','CLOSED')", name="state"),
)

period_event = sa.Table(
    "period_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("from_state", sa.String(16), nullable=False),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

segment = sa.Table(
    "segment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("book_id", "code", name="uq_segment_code"),
)

account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("cash", sa.Boolean, nullable=False),
    sa.Column("inter_segment", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("book_id", "code", name="uq_account_code"),
    sa.CheckConstraint("kind IN ('asset','liability','net_assets','revenue','expense')", name="kind"),
)

flow = sa.Table(
    "flow",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("applies_to", sa.String(16), nullable=False),
    sa.UniqueConstraint("book_id", "code", name="uq_flow_code"),
)

layout = sa.Table(
    "layout",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
)

entry = sa.Table(
    "entry",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("entry_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Column("source_line", sa.Integer),
    sa.Column("reverses", sa.Integer),  # entry_no of the entry this one reverses
    sa.UniqueConstraint("book_id", "code", name="uq_entry_code"),
    # written with OR rather than IN: SQLite evaluates an IN list markedly slower per inserted row
    sa.CheckConstraint("kind = 'opening' OR kind = 'regular' OR kind = 'closing' OR kind = 'appropriation'", name="kind"),
    sqlite_with_rowid=False,  # rows live in the primary-key b-tree: one index less to write per entry
)

posting = sa.Table(
    "posting",
    metadata,
    sa.Column("book_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entry_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("period", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("segment_id", sa.Integer, nullable=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("flow_id", sa.Integer, nullable=False),  # 0 = none
    sa.Column("partner_id", sa.Integer, nullable=False),  # 0 = none
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.ForeignKeyConstraint(["book_id", "entry_no"], ["entry.book_id", "entry.entry_no"], name="fk_posting_entry"),
)

balance = sa.Table(
    "balance",
    metadata,
    sa.Column("book_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("fiscal_year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("segment_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("flow_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("partner_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
)

# ---------------------------------------------------------------- budgets (migration 0002)

budget_revision = sa.Table(
    "budget_revision",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("approved", sa.Date, nullable=False),
    sa.Column("body", sa.String(256), nullable=False),
    sa.Column("revises", sa.String(64)),
)

budget_amount = sa.Table(
    "budget_amount",
    metadata,
    sa.Column("book_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("revision", sa.String(64), primary_key=True),
    sa.Column("statement", sa.String(64), primary_key=True),
    sa.Column("line", sa.String(64), primary_key=True),
    sa.Column("segment_id", sa.Integer, primary_key=True, autoincrement=False),  # 0 = whole organisation
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.ForeignKeyConstraint(["book_id", "revision"], ["budget_revision.book_id", "budget_revision.code"],
                            name="fk_budget_amount_revision"),
)

budget_text = sa.Table(
    "budget_text",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # note | reason
    sa.Column("statement", sa.String(64), nullable=False),
    sa.Column("line", sa.String(512), nullable=False),  # reason: line id; note: comma-separated line ids
    sa.Column("segment_id", sa.Integer, nullable=False),  # 0 = whole organisation
    sa.Column("mark", sa.String(32)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger),
    sa.Column("source", sa.String(128)),
    sa.Column("part", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

TABLES_0001 = ("book", "fiscal_year", "period_event", "segment", "account", "flow", "layout", "entry", "posting", "balance")
history_figure = sa.Table(
    "history_figure",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("series", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("segment_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.String(32), nullable=False),  # as published, e.g. "30.8" (億円); never yen arithmetic
)

TABLES_0002 = ("budget_revision", "budget_amount", "budget_text", "history_figure")


# ---------------------------------------------------------------- inputs (migration 0004)

input_value = sa.Table(
    "input_value",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("label", sa.String(256), nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # where the figure comes from (market data, register)
)

TABLES_0004 = ("input_value",)


# ---------------------------------------------------------------- audit trail (migration 0005)

audit_event = sa.Table(
    "audit_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # load, post, close, reverse, period, publish
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("first_entry", sa.Integer),  # entry_no range the write posted, if it posted any
    sa.Column("last_entry", sa.Integer),
)

chain_link = sa.Table(  # the hash chain over posted entries (store/chain.py)
    "chain_link",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("first_entry", sa.Integer, nullable=False),
    sa.Column("last_entry", sa.Integer, nullable=False),
    sa.Column("link", sa.String(64), nullable=False),
)

period_link = sa.Table(  # the hash chain over period events, and the seal a closing records
    "period_link",
    metadata,
    sa.Column("event_id", sa.Integer, sa.ForeignKey("period_event.id"), primary_key=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("seal", sa.String(64), nullable=False),  # the entry chain's head when a year was CLOSED, else ''
    sa.Column("link", sa.String(64), nullable=False),
)

TABLES_0005 = ("audit_event", "chain_link", "period_link")


# ---------------------------------------------------------------- drafts and approval (migration 0006_drafts)

draft = sa.Table(  # an entry as entered, waiting for approval (承認フロー); append-only
    "draft",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), nullable=False),
    sa.Column("entry_code", sa.String(64)),  # the code it is posted under; None: kessan gives one
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("memo", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # the form, or the file and line it was imported from
)

draft_line = sa.Table(
    "draft_line",
    metadata,
    sa.Column("draft_id", sa.Integer, sa.ForeignKey("draft.id"), primary_key=True, autoincrement=False),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("segment", sa.String(64), nullable=False),  # codes as entered (checked against the chart)
    sa.Column("account", sa.String(64), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("flow", sa.String(64)),
    sa.Column("partner", sa.String(64)),
)

draft_event = sa.Table(  # a draft's states: pending (submitted), then approved or rejected; append-only
    "draft_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("draft_id", sa.Integer, sa.ForeignKey("draft.id"), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("entry_no", sa.Integer),  # the entry an approval posted
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name="status"),
)

TABLES_0006_DRAFTS = ("draft", "draft_line", "draft_event")


# ---------------------------------------------------------------- roles (migration 0007_roles)

chart_role = sa.Table(  # the roles an account or a flow declares (ledger/roles.py)
    "chart_role",
    metadata,
    sa.Column("book_id", sa.Integer, sa.ForeignKey("book.id"), primary_key=True),
    sa.Column("target", sa.String(16), primary_key=True),  # account | flow
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # order of declaration on its account or flow
    sa.CheckConstraint("target IN ('account','flow')", name="target"),
)

TABLES_0007_ROLES = ("chart_role",)


# ---------------------------------------------------------------- users of the web application (migration 0008_users)

app_user = sa.Table(  # who may log in to `kessan serve`, with which role; database-wide, not per book
    "app_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("password_hash", sa.String(256), nullable=False),  # argon2id (argon2-cffi), never the password
    sa.Column("created_by", sa.String(256), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

user_event = sa.Table(  # append-only: who created, changed, disabled a user; logins and logouts
    "user_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

TABLES_0008_USERS = ("app_user", "user_event")

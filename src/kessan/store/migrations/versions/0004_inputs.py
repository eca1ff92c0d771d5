"""Inputs: figures that are not ledger balances (時価 of securities, deposits and lease debt,
memo balances), each with its source recorded.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from kessan.store import schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.metadata.create_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0004])


def downgrade() -> None:
    schema.metadata.drop_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0004])

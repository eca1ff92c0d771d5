"""Budgets (revisions, amounts per line and segment, notes, reasons) and published history figures.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from kessan.store import schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.metadata.create_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0002])


def downgrade() -> None:
    schema.metadata.drop_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0002])

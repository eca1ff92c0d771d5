"""Roles: the roles accounts and flows declare, by which the closing steps and the checks
find them (ledger/roles.py; docs/book-format.md).

Revision ID: 0007_roles
Revises: 0005
"""

from alembic import op

from kessan.store import schema

revision = "0007_roles"
down_revision = "0006_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.metadata.create_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0007_ROLES])


def downgrade() -> None:
    schema.metadata.drop_all(op.get_bind(), tables=[schema.metadata.tables[t] for t in schema.TABLES_0007_ROLES])

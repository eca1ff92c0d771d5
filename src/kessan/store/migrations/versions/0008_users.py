"""Users of the web application (`kessan serve`): name, role, argon2 password hash, who
created them and when, disabled; and ``user_event``, the append-only history of user changes,
logins and logouts.

Revision ID: 0008_users
Revises: 0007_roles
"""

from alembic import op

from kessan.store import schema

revision = "0008_users"
down_revision = "0007_roles"
branch_labels = None
depends_on = None

APPEND_ONLY = "the user history is append-only"


def upgrade() -> None:
    bind = op.get_bind()
    schema.metadata.create_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0008_USERS])
    if bind.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER user_event_no_{action.lower()} BEFORE {action} ON user_event "
                       f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    elif bind.dialect.name == "postgresql":  # kessan_append_only() comes from migration 0005
        op.execute("CREATE TRIGGER user_event_append_only BEFORE UPDATE OR DELETE ON user_event "
                   "FOR EACH ROW EXECUTE FUNCTION kessan_append_only()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS user_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS user_event_no_delete")
    schema.metadata.drop_all(bind, tables=[schema.metadata.tables[t] for t in schema.TABLES_0008_USERS])

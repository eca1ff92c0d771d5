"""Period lock in the database: no entry may be inserted into a CLOSED fiscal year, and only
closing entries into an ADJUSTING one, whatever program does the inserting.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATE = "(SELECT state FROM fiscal_year WHERE book_id = NEW.book_id AND year = NEW.fiscal_year)"
CLOSED = "fiscal year is CLOSED: post a correction in an open year"
ADJUSTING = "fiscal year is ADJUSTING: only closing entries may be posted"
LOCKED = "fiscal year is CLOSED, or ADJUSTING and the entry is not a closing entry"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # one trigger, gated so that the common case (an OPEN year) costs a single lookup
        op.execute("CREATE TRIGGER entry_period_lock BEFORE INSERT ON entry WHEN EXISTS ("
                   "SELECT 1 FROM fiscal_year WHERE book_id = NEW.book_id AND year = NEW.fiscal_year "
                   "AND (state = 'CLOSED' OR (state = 'ADJUSTING' AND NEW.kind <> 'closing'))) "
                   f"BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END")
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION kessan_period_lock() RETURNS trigger AS $$ DECLARE s text; BEGIN "
            "SELECT state INTO s FROM fiscal_year WHERE book_id = NEW.book_id AND year = NEW.fiscal_year; "
            f"IF s = 'CLOSED' THEN RAISE EXCEPTION '{CLOSED}'; END IF; "
            f"IF s = 'ADJUSTING' AND NEW.kind <> 'closing' THEN RAISE EXCEPTION '{ADJUSTING}'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER entry_period_lock BEFORE INSERT ON entry FOR EACH ROW EXECUTE FUNCTION kessan_period_lock()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS entry_period_lock")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kessan_period_lock() CASCADE")

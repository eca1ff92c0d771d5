"""Alembic environment: runs on the connection kessan passes in (see store/db.py)."""

from alembic import context
from alembic.util import CommandError
from sqlalchemy import create_engine

from kessan.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the URL option
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise CommandError("set sqlalchemy.url (kessan passes its connection instead; see store/db.py)")
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

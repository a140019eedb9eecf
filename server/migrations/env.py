"""Alembic environment for the central database; the engine is handed in by ``server.db.migrate``.

Server processes starting together migrate one after another (the later ones find the schema already current)
instead of racing: on PostgreSQL the upgrade holds a transaction-level advisory lock; on SQLite the whole upgrade is
one transaction begun with ``BEGIN IMMEDIATE`` (the writer engine's), which Alembic only opens when told that
SQLite's DDL is transactional (it is; Alembic assumes not, and would otherwise let two processes read the same
version and both add a column).
"""

from alembic import context
from sqlalchemy import text

from server.models import Base

_MIGRATION_LOCK_KEY = 470_051_001  # any constant, as long as every server process uses the same one

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=Base.metadata, render_as_batch=True, transactional_ddl=True
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        context.run_migrations()

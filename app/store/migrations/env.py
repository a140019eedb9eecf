"""Alembic environment for the device database; the engine is handed in by ``app.store.db.migrate``."""

from alembic import context

from app.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

"""Alembic migrations of the central database; ``server.db.migrate`` runs them on every start."""

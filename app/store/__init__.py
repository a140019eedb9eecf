"""The device store: SQLite through SQLAlchemy, created and upgraded by Alembic migrations."""

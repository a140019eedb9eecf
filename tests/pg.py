"""A throw-away PostgreSQL database for tests that must run against the real thing.

The server to use comes from ``OUTPOST_TEST_POSTGRES_URL`` (a URL of any database the user may create databases
from), else the local development server. Each call makes a new, uniquely named database and drops it afterwards.
When no server answers the tests are skipped, except under CI (``CI`` set), where a missing PostgreSQL must fail
loudly instead of letting half the suite pass unseen.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

URL_ENV = "OUTPOST_TEST_POSTGRES_URL"
LOCAL_URL = "postgresql+psycopg://outpost:outpost@127.0.0.1:5432/postgres"


def maintenance_url() -> URL:
    return make_url(os.environ.get(URL_ENV) or LOCAL_URL)


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL at {maintenance_url().render_as_string(hide_password=True)} is not usable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_postgres_database(prefix: str = "outpost_test") -> Iterator[str]:
    """Create an empty database, yield its URL (password included), and drop it when the block ends."""
    admin_url = maintenance_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as problem:
        admin.dispose()
        _unavailable(str(problem.orig).strip().splitlines()[0])
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

"""Server settings, read once from the environment so every process started the same way behaves the same way."""

import os
from dataclasses import dataclass
from datetime import timedelta

DATABASE_URL_ENV = "OUTPOST_DATABASE_URL"
EXPORT_MAPPING_ENV = "OUTPOST_EXPORT_MAPPING"
DEFAULT_DATABASE_URL = "sqlite:///outpost-server.sqlite3"
CONSOLE_PREFIX = "/console"


@dataclass(frozen=True, slots=True)
class Settings:
    """What an installation may tune. Defaults follow the sync contract; nothing here is kept per process."""

    database_url: str = DEFAULT_DATABASE_URL
    token_lifetime: timedelta = timedelta(days=30)
    failed_login_window: timedelta = timedelta(minutes=15)
    failed_login_limit: int = 5
    login_lockout: timedelta = timedelta(minutes=5)
    console_idle_limit: timedelta = timedelta(minutes=30)
    console_sign_in_limit: timedelta = timedelta(hours=12)
    retention: timedelta = timedelta(days=90)  # applied op_ids and removals are kept this long (server.retention)
    export_mapping: str = ""  # the funder export's mapping file; empty: the one that ships (server.reports.template)


def export_mapping_from(explicit: str | None) -> str:
    """The funder export's mapping file: ``--mapping`` wins, then ``OUTPOST_EXPORT_MAPPING``; empty for the shipped
    one. The variable lets an agency that replaced the mapping get it from the console and the API as well."""
    return explicit or os.environ.get(EXPORT_MAPPING_ENV, "")


def database_url_from(explicit: str | None) -> str:
    """The ``--database-url`` option wins, then ``OUTPOST_DATABASE_URL``, then a SQLite file in the current folder."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def settings_for(database_url: str) -> Settings:
    """Settings for a server on ``database_url``; ``OUTPOST_TOKEN_DAYS`` shortens or lengthens sign-ins and
    ``OUTPOST_RETENTION_DAYS`` the retention window, ``OUTPOST_EXPORT_MAPPING`` names the funder export's mapping."""
    days = int(os.environ.get("OUTPOST_TOKEN_DAYS", "30"))
    retention_days = int(os.environ.get("OUTPOST_RETENTION_DAYS", "90"))
    return Settings(
        database_url=database_url,
        token_lifetime=timedelta(days=days),
        retention=timedelta(days=retention_days),
        export_mapping=export_mapping_from(None),
    )

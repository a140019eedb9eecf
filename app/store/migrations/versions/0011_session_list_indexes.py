"""session lists read newest first from an index

Revision ID: 0011
Revises: 0010

My Dashboard, Agency sessions and a client's past sessions list sessions newest first by (service date, when
recorded). With an index on the service date alone SQLite sorted each day's sessions again, and a supervisor's
list filtered by site or by "Incomplete only" read every session on the device, tens of thousands of them, to count
and find a page. These indexes hold the list's order, on its own and after the site or the completeness.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NEWEST_FIRST = ["service_date", "created_at"]


def upgrade() -> None:
    op.drop_index("ix_session_service_date", table_name="session")
    op.create_index("ix_session_newest", "session", NEWEST_FIRST)
    op.create_index("ix_session_site_newest", "session", ["site_code", *NEWEST_FIRST])
    op.create_index("ix_session_complete_newest", "session", ["complete", *NEWEST_FIRST])


def downgrade() -> None:
    op.drop_index("ix_session_complete_newest", table_name="session")
    op.drop_index("ix_session_site_newest", table_name="session")
    op.drop_index("ix_session_newest", table_name="session")
    op.create_index("ix_session_service_date", "session", ["service_date"])

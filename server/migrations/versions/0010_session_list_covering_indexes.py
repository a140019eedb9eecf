"""the session list's filters answered from indexes, not from the stored records

Revision ID: 0010
Revises: 0009

A filtered count on the console's session list read every matching session row, each carrying its whole JSON record,
so one worker's incomplete sessions took seconds at 200,000 sessions. The list's index now carries every column the
list filters on besides its order (it replaces the plain (agency, service date, id) one, whose order it keeps), and so
do the indexes by site and by reportable or not, so a count or a filtered page walks an index alone and reads a
record only for the rows it shows. A worker's sessions and
a service type's are found as a set of session ids (from the staff rows, or from the new (service type, session)
index on the forms); ``ix_session_facets`` answers the same filters when the database starts from those ids instead.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FACETS = ["complete", "reportable", "site_code", "session_type"]
BY_SITE = ["agency_id", "site_code", "service_date", "id"]
BY_REPORTABLE = ["agency_id", "reportable", "service_date", "id"]

NARROWER = (("ix_session_agency_site_date", BY_SITE), ("ix_session_agency_reportable_date", BY_REPORTABLE))


def _others(leading: list[str]) -> list[str]:
    return [column for column in FACETS if column not in leading]


def upgrade() -> None:
    op.create_index("ix_session_list", "session", ["agency_id", "service_date", "id", *FACETS])
    op.drop_index("ix_session_agency_service_date", table_name="session")
    op.create_index("ix_session_facets", "session", ["id", "agency_id", "service_date", *FACETS])
    for name, leading in NARROWER:
        op.drop_index(name, table_name="session")
        op.create_index(name, "session", [*leading, *_others(leading)])
    op.create_index("ix_session_form_service_type", "session_form", ["service_type", "session_id"])


def downgrade() -> None:
    op.drop_index("ix_session_form_service_type", table_name="session_form")
    for name, leading in NARROWER:
        op.drop_index(name, table_name="session")
        op.create_index(name, "session", leading)
    op.drop_index("ix_session_facets", table_name="session")
    op.create_index("ix_session_agency_service_date", "session", ["agency_id", "service_date", "id"])
    op.drop_index("ix_session_list", table_name="session")

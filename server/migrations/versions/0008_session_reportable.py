"""whether each session can be reported, in a column of its own

Revision ID: 0008
Revises: 0007

Supervisors filter the console's session list by reportable or not. The verdict is the domain's rule (the one the
reports and the funder export apply), so it is judged in Python and kept beside each session, indexed by agency in
the list's order; here every stored session is judged, a page at a time (``server.reportable.rejudge_all``).
"""

import sqlalchemy as sa
from alembic import op

from server.reportable import rejudge_all

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("session", sa.Column("reportable", sa.Boolean(), nullable=True))
    rejudge_all(op.get_bind())
    with op.batch_alter_table("session") as batch:
        batch.alter_column("reportable", existing_type=sa.Boolean(), nullable=False)
    op.create_index("ix_session_agency_reportable_date", "session", ["agency_id", "reportable", "service_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_session_agency_reportable_date", table_name="session")
    with op.batch_alter_table("session") as batch:
        batch.drop_column("reportable")

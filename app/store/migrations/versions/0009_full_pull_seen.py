"""what a full pull has named so far

Revision ID: 0009
Revises: 0008

After a 410 the device pulls everything again and then removes the clients and sessions that pull did not name
(app/store/repositories.py, FullPullRepository). The pull may be cut off and resume later, so what it has named is
kept here until it ends.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "full_pull_seen",
        sa.Column("entity", sa.String(length=20), primary_key=True),
        sa.Column("id", sa.String(length=36), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("full_pull_seen")

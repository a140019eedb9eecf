"""group activities count their unnamed participants

Revision ID: 0005
Revises: 0004

A Group Activity counts the people who took part without being registered as clients. Sessions stored before have
none counted.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy: rebuilding ``session`` would drop it, and with it (ON DELETE CASCADE) every
# session's languages, staff and service forms.


def upgrade() -> None:
    op.add_column("session", sa.Column("unnamed_participants", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("session", "unnamed_participants")

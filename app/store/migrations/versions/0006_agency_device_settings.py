"""the agency's device settings

Revision ID: 0006
Revises: 0005

The agency record now carries how long its workers may sign in offline and after how many idle minutes the app
locks. Devices that synced before keep the defaults until the next pull brings the agency's own values.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agency", sa.Column("offline_sign_in_days", sa.Integer(), nullable=False, server_default="14"))
    op.add_column("agency", sa.Column("idle_lock_minutes", sa.Integer(), nullable=False, server_default="10"))


def downgrade() -> None:
    with op.batch_alter_table("agency") as agency:
        agency.drop_column("idle_lock_minutes")
        agency.drop_column("offline_sign_in_days")

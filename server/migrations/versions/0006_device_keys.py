"""a key per device

Revision ID: 0006
Revises: 0005

Each device gets a random key, handed to its signed-in workers, that opens the device's own wrap of its data key.
Devices entered before get theirs at their next sign-in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("device", sa.Column("device_key", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("device") as device:
        device.drop_column("device_key")

"""reference lists carry French names

Revision ID: 0009
Revises: 0008

Languages and types of service location get their name in French beside the English one, sent to devices as
``name_fr`` / ``label_fr``; entries stored before have none (devices show the English name until one is given).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("language", sa.Column("name_fr", sa.String(length=100), nullable=False, server_default=""))
    op.add_column(
        "service_location_type", sa.Column("label_fr", sa.String(length=100), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("service_location_type", "label_fr")
    op.drop_column("language", "name_fr")

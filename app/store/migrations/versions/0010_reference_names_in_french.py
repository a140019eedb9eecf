"""reference lists carry French names

Revision ID: 0010
Revises: 0009

The server sends each language and type of service location with its French name (``name_fr`` / ``label_fr``);
rows pulled before have none, and the app shows the English name until the next pull brings one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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

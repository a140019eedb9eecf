"""the kind of client identifier

Revision ID: 0004
Revises: 0003

The funder identifies a client by an identifier of a kind it accepts (IRCC client ID, permanent resident card,
...). Existing clients have none yet: the column starts empty and their profiles show it as needed to report.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never a batch copy: rebuilding ``client`` would drop the old table, and with it (ON DELETE
# CASCADE) every client's search terms.


def upgrade() -> None:
    op.add_column("client", sa.Column("client_identifier_kind", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("client", "client_identifier_kind")

"""a client's name in Latin letters and in their own script

Revision ID: 0008
Revises: 0007

A profile may now hold the whole name as documents write it in Latin letters and as the client writes it in their
own script, and search finds the client by either. Existing clients have neither yet, so their search terms stay
as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = ("latin_name", "own_script_name")

# Plain ALTER TABLE, never a batch copy: rebuilding ``client`` would drop the old table, and with it (ON DELETE
# CASCADE) every client's search terms.


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column("client", sa.Column(name, sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    for name in reversed(_COLUMNS):
        op.drop_column("client", name)

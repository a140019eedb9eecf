"""each queued change names the worker who made it

Revision ID: 0012
Revises: 0011

Several workers share a tablet: each change must reach the server under its author's own sign-in, even after
another worker took the tablet over (app/store/outbox.py, sync/engine.py). Changes queued before this version were
all made by the worker the device held then, whom ``sync_state`` names.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("author", sa.String(100), nullable=False, server_default=""))
    op.execute("UPDATE outbox SET author = coalesce((SELECT value FROM sync_state WHERE key = 'user_id'), '')")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("author")

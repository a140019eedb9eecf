"""the app lock's PIN, wrong-attempt counts and each worker's last contact with the server

Revision ID: 0007
Revises: 0006

A worker who signed in on the device keeps an Argon2id hash of their PIN, how many wrong PINs and wrong passwords
were tried in a row at the lock, and when the device last reached the server for them (offline sign-in is allowed
only for the agency's offline period after it). A worker stored before counts from their last sign-in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("local_account", sa.Column("pin_hash", sa.String(200), nullable=False, server_default=""))
    op.add_column("local_account", sa.Column("pin_failures", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("local_account", sa.Column("password_failures", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("local_account", sa.Column("last_contact", sa.String(40), nullable=False, server_default=""))
    op.execute("UPDATE local_account SET last_contact = last_sign_in")


def downgrade() -> None:
    with op.batch_alter_table("local_account") as account:
        for column in ("last_contact", "password_failures", "pin_failures", "pin_hash"):
            account.drop_column(column)

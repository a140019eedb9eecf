"""retention window: when each removal happened, and where the forgotten history ends

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("session_former_staff", sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.add_column("session_former_staff", sa.Column("removed_seq", sa.BigInteger(), nullable=True))
    # Removals made before this revision: as if made now, at the session's latest change (no earlier than the
    # removal itself, so the window never forgets one too soon, and a cursor is never wrongly accepted).
    op.execute(
        sa.text(
            "UPDATE session_former_staff SET removed_at = :now,"
            " removed_seq = (SELECT seq FROM session WHERE session.id = session_former_staff.session_id)"
        ).bindparams(now=datetime.now(UTC).replace(tzinfo=None))
    )
    with op.batch_alter_table("session_former_staff") as batch:
        batch.alter_column("removed_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("removed_seq", existing_type=sa.BigInteger(), nullable=False)
    op.create_index("ix_session_former_staff_removed_at", "session_former_staff", ["removed_at"])
    op.create_index("ix_applied_op_applied_at", "applied_op", ["applied_at"])
    op.add_column(
        "server_state", sa.Column("history_from_seq", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    op.drop_column("server_state", "history_from_seq")
    op.drop_index("ix_applied_op_applied_at", table_name="applied_op")
    op.drop_index("ix_session_former_staff_removed_at", table_name="session_former_staff")
    with op.batch_alter_table("session_former_staff") as batch:
        batch.drop_column("removed_seq")
        batch.drop_column("removed_at")

"""initial server schema

Revision ID: 0001
Revises:
"""

import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _synced_columns() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    server_state = op.create_table(
        "server_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("epoch", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    # The epoch is made once, with the database: cursors from any other database are refused.
    op.bulk_insert(server_state, [{"id": 1, "epoch": secrets.token_hex(8), "last_seq": 0}])

    op.create_table(
        "agency",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_synced_columns(),
    )
    op.create_index("ix_agency_seq", "agency", ["seq"])

    op.create_table(
        "language",
        sa.Column("code", sa.String(length=20), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        *_synced_columns(),
    )
    op.create_index("ix_language_seq", "language", ["seq"])

    op.create_table(
        "service_location_type",
        sa.Column("code", sa.String(length=40), primary_key=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        *_synced_columns(),
    )
    op.create_index("ix_service_location_type_seq", "service_location_type", ["seq"])

    op.create_table(
        "site",
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), primary_key=True),
        sa.Column("code", sa.String(length=40), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced_columns(),
    )
    op.create_index("ix_site_agency_seq", "site", ["agency_id", "seq"])

    op.create_table(
        "worker",
        sa.Column("user_id", sa.String(length=100), primary_key=True),
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        *_synced_columns(),
    )
    op.create_index("ix_worker_agency_seq", "worker", ["agency_id", "seq"])

    op.create_table(
        "client",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("record", _JSON, nullable=False),
        *_synced_columns(),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_client_agency_seq", "client", ["agency_id", "seq"])

    op.create_table(
        "session",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("site_code", sa.String(length=40), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("record", _JSON, nullable=False),
        *_synced_columns(),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_session_agency_seq", "session", ["agency_id", "seq"])
    op.create_index("ix_session_created_by", "session", ["created_by"])

    for table in ("session_staff", "session_former_staff"):
        op.create_table(
            table,
            sa.Column(
                "session_id", sa.String(length=36), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("user_id", sa.String(length=100), primary_key=True),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])

    op.create_table(
        "applied_op",
        sa.Column("op_id", sa.String(length=64), primary_key=True),
        sa.Column("worker_user_id", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "auth_token",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("worker_user_id", sa.String(length=100), sa.ForeignKey("worker.user_id"), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_auth_token_worker_user_id", "auth_token", ["worker_user_id"])

    op.create_table(
        "login_failure",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_failure_user_id", "login_failure", ["user_id"])
    op.create_index("ix_login_failure_failed_at", "login_failure", ["failed_at"])


def downgrade() -> None:
    for table in (
        "login_failure",
        "auth_token",
        "applied_op",
        "session_former_staff",
        "session_staff",
        "session",
        "client",
        "worker",
        "site",
        "service_location_type",
        "language",
        "agency",
        "server_state",
    ):
        op.drop_table(table)

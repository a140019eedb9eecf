"""funder export log, and sessions found by agency and service date

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_session_agency_service_date", "session", ["agency_id", "service_date", "id"])
    op.create_table(
        "export_run",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("again", sa.Boolean(), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("seq_at_export", sa.BigInteger(), nullable=False),
        sa.Column("exported_by", sa.String(length=100), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("services", sa.Integer(), nullable=False),
        sa.Column("not_reported", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
    )
    op.create_index("ix_export_run_agency_month", "export_run", ["agency_id", "month"])
    op.create_table(
        "export_item",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("export_id", _ID, sa.ForeignKey("export_run.id"), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("facts", _JSON, nullable=False),
    )
    op.create_index("ix_export_item_agency_record", "export_item", ["agency_id", "record_id"])
    op.create_index("ix_export_item_agency_session", "export_item", ["agency_id", "session_id"])


def downgrade() -> None:
    op.drop_table("export_item")
    op.drop_table("export_run")
    op.drop_index("ix_session_agency_service_date", table_name="session")

"""the console: administrator role, console sign-ins, audit trail, merged clients, session filter columns

Revision ID: 0004
Revises: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BATCH = 2_000


def upgrade() -> None:
    with op.batch_alter_table("worker") as worker:
        worker.create_check_constraint("ck_worker_role", "role IN ('worker', 'supervisor', 'administrator')")
    with op.batch_alter_table("client") as client:
        client.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
    with op.batch_alter_table("session") as session:
        session.add_column(sa.Column("session_type", sa.String(length=40), nullable=False, server_default=""))
    op.create_index("ix_session_agency_site_date", "session", ["agency_id", "site_code", "service_date", "id"])
    session_form = op.create_table(
        "session_form",
        sa.Column(
            "session_id", sa.String(length=36), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("client_id", sa.String(length=40), primary_key=True),
        sa.Column("service_type", sa.String(length=40), nullable=False),
    )
    op.create_index("ix_session_form_client_id", "session_form", ["client_id"])
    _fill_session_columns(session_form)

    op.create_table(
        "console_sign_in",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("worker_user_id", sa.String(length=100), sa.ForeignKey("worker.user_id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_console_sign_in_worker_user_id", "console_sign_in", ["worker_user_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", _AUTO_ID, primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", _JSON, nullable=False),
    )
    op.create_index("ix_audit_agency_id", "audit_event", ["agency_id", "id"])
    op.create_index("ix_audit_agency_action_id", "audit_event", ["agency_id", "action", "id"])
    op.create_index("ix_audit_actor_id", "audit_event", ["actor", "id"])


def _fill_session_columns(session_form: sa.Table) -> None:
    """Sessions stored before this revision get their type and service form rows from their records, in batches."""
    connection = op.get_bind()
    sessions = sa.table("session", sa.column("id", sa.String), sa.column("record", _JSON),
                        sa.column("session_type", sa.String))  # fmt: skip
    last_id = ""
    while True:
        rows = connection.execute(
            sa.select(sessions.c.id, sessions.c.record).where(sessions.c.id > last_id).order_by(sessions.c.id)
            .limit(_BATCH)
        ).all()  # fmt: skip
        if not rows:
            return
        last_id = rows[-1].id
        types = [{"key": row.id, "type": row.record.get("session_type") or ""} for row in rows]
        connection.execute(
            sessions.update().where(sessions.c.id == sa.bindparam("key")).values(session_type=sa.bindparam("type")),
            types,
        )
        forms: list[dict[str, Any]] = [
            {"session_id": row.id, "client_id": form["client_id"], "service_type": form.get("service_type") or ""}
            for row in rows
            for form in row.record.get("service_forms", ())
        ]
        if forms:
            connection.execute(session_form.insert(), forms)


def downgrade() -> None:
    op.drop_table("audit_event")
    op.drop_table("console_sign_in")
    op.drop_table("session_form")
    op.drop_index("ix_session_agency_site_date", "session")
    with op.batch_alter_table("session") as session:
        session.drop_column("session_type")
    with op.batch_alter_table("client") as client:
        client.drop_column("merged_into")
    with op.batch_alter_table("worker") as worker:
        worker.drop_constraint("ck_worker_role", type_="check")

"""device registry, agency device settings, when a worker was deactivated

Revision ID: 0005
Revises: 0004

Devices are listed and revoked by the administrator, so each one gets a row (and a row per worker who signed in on
it). Devices already signed in are entered from their sign-in tokens, so an administrator sees them before they
call again. Agencies gain the offline sign-in period and the idle-lock time their devices follow, with the
defaults every agency had so far. Workers gain the moment they were deactivated.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as agency:
        agency.add_column(sa.Column("offline_sign_in_days", sa.Integer(), nullable=False, server_default="14"))
        agency.add_column(sa.Column("idle_lock_minutes", sa.Integer(), nullable=False, server_default="10"))
    with op.batch_alter_table("worker") as worker:
        worker.add_column(sa.Column("deactivated_at", sa.DateTime(), nullable=True))

    device = op.create_table(
        "device",
        sa.Column("device_id", sa.String(length=36), primary_key=True),
        sa.Column("agency_id", sa.String(length=64), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("last_user_id", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("pending_changes", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revocation_told_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_device_agency_id", "device", ["agency_id"])
    device_worker = op.create_table(
        "device_worker",
        sa.Column(
            "device_id",
            sa.String(length=36),
            sa.ForeignKey("device.device_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(length=100), sa.ForeignKey("worker.user_id"), primary_key=True),
        sa.Column("last_contact_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_device_worker_user_id", "device_worker", ["user_id"])
    _enter_signed_in_devices(device, device_worker)


def _enter_signed_in_devices(device: sa.Table, device_worker: sa.Table) -> None:
    """One device row per device id found in the sign-in tokens, as of its latest sign-in."""
    tokens = sa.table(
        "auth_token",
        sa.column("worker_user_id", sa.String),
        sa.column("device_id", sa.String),
        sa.column("device_name", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    workers = sa.table("worker", sa.column("user_id", sa.String), sa.column("agency_id", sa.String))
    rows = op.get_bind().execute(
        sa.select(tokens.c.device_id, tokens.c.device_name, tokens.c.worker_user_id, tokens.c.created_at,
                  workers.c.agency_id)
        .join(workers, workers.c.user_id == tokens.c.worker_user_id)
        .order_by(tokens.c.created_at)
    )  # fmt: skip
    devices: dict[str, dict[str, object]] = {}
    users: dict[tuple[str, str], dict[str, object]] = {}
    for device_id, name, user_id, signed_in_at, agency_id in rows:
        first_seen = devices.get(device_id, {}).get("first_seen_at", signed_in_at)
        devices[device_id] = {
            "device_id": device_id,
            "agency_id": agency_id,
            "name": name,
            "last_user_id": user_id,
            "first_seen_at": first_seen,
            "last_contact_at": signed_in_at,
            "app_version": "",
        }
        users[device_id, user_id] = {"device_id": device_id, "user_id": user_id, "last_contact_at": signed_in_at}
    if devices:
        op.bulk_insert(device, list(devices.values()))
        op.bulk_insert(device_worker, list(users.values()))


def downgrade() -> None:
    op.drop_table("device_worker")
    op.drop_table("device")
    with op.batch_alter_table("worker") as worker:
        worker.drop_column("deactivated_at")
    with op.batch_alter_table("agency") as agency:
        agency.drop_column("idle_lock_minutes")
        agency.drop_column("offline_sign_in_days")

"""client date of birth and phone digits in columns of their own

Revision ID: 0003
Revises: 0002

Clients registered offline on two tablets were never compared with each other. Possible duplicates are clients
of one agency sharing a date of birth or a phone number, so both are kept beside the record, indexed by agency,
and filled in here from the records already stored.
"""

from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.domain.text import phone_digits

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BATCH = 2_000
_CLIENT = sa.table(
    "client",
    sa.column("id", sa.String()),
    sa.column("record", _JSON),
    sa.column("date_of_birth", sa.Date()),
    sa.column("phone_digits", sa.String()),
)


def upgrade() -> None:
    op.add_column("client", sa.Column("date_of_birth", sa.Date(), nullable=True))
    op.add_column("client", sa.Column("phone_digits", sa.String(length=40), nullable=False, server_default=""))
    _fill_from_records(op.get_bind())
    op.create_index("ix_client_agency_birth", "client", ["agency_id", "date_of_birth"])
    op.create_index("ix_client_agency_phone", "client", ["agency_id", "phone_digits"])


def downgrade() -> None:
    op.drop_index("ix_client_agency_phone", table_name="client")
    op.drop_index("ix_client_agency_birth", table_name="client")
    with op.batch_alter_table("client") as batch:
        batch.drop_column("phone_digits")
        batch.drop_column("date_of_birth")


def _fill_from_records(connection: sa.Connection) -> None:
    """Each client's date of birth and phone digits, read from its record, a batch of clients at a time."""
    after = ""
    update = (
        _CLIENT.update()
        .where(_CLIENT.c.id == sa.bindparam("client_id"))
        .values(date_of_birth=sa.bindparam("born"), phone_digits=sa.bindparam("digits"))
    )
    page = sa.select(_CLIENT.c.id, _CLIENT.c.record).order_by(_CLIENT.c.id).limit(_BATCH)
    while rows := connection.execute(page.where(_CLIENT.c.id > after)).all():
        after = rows[-1].id
        connection.execute(update, [_columns_of(row.id, row.record) for row in rows])


def _columns_of(client_id: str, record: dict) -> dict:
    born = record.get("date_of_birth")
    return {
        "client_id": client_id,
        "born": date.fromisoformat(born) if born else None,
        "digits": phone_digits(record.get("phone")),
    }

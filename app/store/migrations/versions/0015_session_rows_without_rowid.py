"""a session's languages, staff and referrals are kept WITHOUT ROWID

Revision ID: 0015
Revises: 0014

Saving a session puts a page in the write-ahead log for every B-tree it changes, and the commit's sync to disk
writes them all (docs/benchmarks.md, "Save session"). A rowid table keyed by anything but one integer is two
B-trees: the rows in rowid order and the index of its key. ``session_language`` and ``session_staff`` are keyed by
the session and a code, and their rows are a few bytes: ``WITHOUT ROWID`` keeps them in the order of their key, one
B-tree each. A referral is now keyed by its service form and its place in it (``WITHOUT ROWID`` too), so it needs
no id and no index of its own.

``service_form`` and ``session`` stay rowid tables: their rows are wide (notes), their indexes would each carry
the 36-character id instead of an integer, and keyed by their random ids each new row would land on a page of its
own; measured, ``service_form`` without rowid wrote more pages per save, not fewer.

Foreign keys are on in every connection and this runs inside a transaction (where SQLite ignores turning them off),
so the old tables are renamed, the new ones created and filled from them, then the old ones dropped; none of them is
the parent of another, so no drop cascades, and every row, reference and cascade is kept.
"""

from typing import NamedTuple

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_OLD = "_0015_old_"


class _Table(NamedTuple):
    name: str
    columns: str
    """The columns copied (all but a referral's id, which the table without rowid does not have)."""
    definition: str
    indexes: list[tuple[str, str]]
    """Each index's name and columns."""
    order: str
    """The order rows are copied in: the new table's key, so they append to its B-tree."""


_WITHOUT_ROWID = [
    _Table(
        "session_language",
        "session_id, code, position",
        """session_id VARCHAR(36) NOT NULL,
           code VARCHAR(20) NOT NULL,
           position INTEGER NOT NULL,
           PRIMARY KEY (session_id, code),
           FOREIGN KEY(session_id) REFERENCES session (id) ON DELETE CASCADE""",
        [],
        "session_id, code",
    ),
    _Table(
        "session_staff",
        "session_id, user_id, position",
        """session_id VARCHAR(36) NOT NULL,
           user_id VARCHAR(100) NOT NULL,
           position INTEGER NOT NULL,
           PRIMARY KEY (session_id, user_id),
           FOREIGN KEY(session_id) REFERENCES session (id) ON DELETE CASCADE""",
        [("ix_session_staff_user", "user_id, session_id")],
        "session_id, user_id",
    ),
    _Table(
        "referral",
        'service_form_id, position, "to", reason, follow_up_date',
        """service_form_id VARCHAR(36) NOT NULL,
           position INTEGER NOT NULL,
           "to" VARCHAR(200) NOT NULL,
           reason VARCHAR(500) NOT NULL,
           follow_up_date VARCHAR(10),
           PRIMARY KEY (service_form_id, position),
           FOREIGN KEY(service_form_id) REFERENCES service_form (id) ON DELETE CASCADE""",
        [],
        "service_form_id, position",
    ),
]

# As they were at 0014, for the way back (a referral gets its id again, numbered in its form's order).
_WITH_ROWID = [table for table in _WITHOUT_ROWID if table.name != "referral"] + [
    _Table(
        "referral",
        'service_form_id, position, "to", reason, follow_up_date',
        """id INTEGER NOT NULL,
           service_form_id VARCHAR(36) NOT NULL,
           position INTEGER NOT NULL,
           "to" VARCHAR(200) NOT NULL,
           reason VARCHAR(500) NOT NULL,
           follow_up_date VARCHAR(10),
           PRIMARY KEY (id),
           FOREIGN KEY(service_form_id) REFERENCES service_form (id) ON DELETE CASCADE""",
        [("ix_referral_service_form_id", "service_form_id")],
        "service_form_id, position",
    )
]


def upgrade() -> None:
    _rebuild(_WITHOUT_ROWID, " WITHOUT ROWID")


def downgrade() -> None:
    _rebuild(_WITH_ROWID, "")


def _rebuild(tables: list[_Table], options: str) -> None:
    for table in tables:
        op.execute(f"ALTER TABLE {table.name} RENAME TO {_OLD}{table.name}")
    for table in tables:
        op.execute(f"CREATE TABLE {table.name} ({table.definition}){options}")
        op.execute(
            f"INSERT INTO {table.name} ({table.columns})"
            f" SELECT {table.columns} FROM {_OLD}{table.name} ORDER BY {table.order}"
        )
    for table in tables:  # no table refers to these, so dropping one deletes nothing elsewhere
        op.execute(f"DROP TABLE {_OLD}{table.name}")
    for table in tables:
        for index, indexed in table.indexes:
            op.execute(f"CREATE INDEX {index} ON {table.name} ({indexed})")

"""search terms carry the client's sort key

Revision ID: 0002
Revises: 0001

A prefix search used to find every matching client id in ``client_search_term``, then look each one up in
``client`` for its sort key before it could sort and keep the first page. A short prefix matches thousands of
clients, so that lookup dominated. Keeping the sort key inside the term table's primary key lets one range read
of the index yield the matches with their order. The table is rebuilt from the rows already on the device (a
tablet in the field holds the agency's clients and must not need a fresh sync), and ``client``'s own sort-key
index, which only that search used, goes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CLIENT_INDEX = "ix_client_search_term_client_id"


def upgrade() -> None:
    op.create_table(
        "client_search_term_rebuilt",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("sort_key", sa.String(length=400), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "sort_key", "client_id"),
        sqlite_with_rowid=False,
    )
    # In key order, so the new B-tree is filled by appends.
    op.execute(
        "INSERT INTO client_search_term_rebuilt (term, sort_key, client_id)"
        " SELECT t.term, c.sort_key, t.client_id FROM client_search_term AS t JOIN client AS c ON c.id = t.client_id"
        " ORDER BY 1, 2, 3"
    )
    _swap_in_rebuilt_table()
    op.drop_index("ix_client_sort_key", table_name="client")


def downgrade() -> None:
    op.create_index("ix_client_sort_key", "client", ["sort_key"], unique=False)
    op.create_table(
        "client_search_term_rebuilt",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "client_id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO client_search_term_rebuilt (term, client_id)"
        " SELECT DISTINCT term, client_id FROM client_search_term ORDER BY 1, 2"
    )
    _swap_in_rebuilt_table()


def _swap_in_rebuilt_table() -> None:
    op.drop_index(_CLIENT_INDEX, table_name="client_search_term")
    op.drop_table("client_search_term")
    op.rename_table("client_search_term_rebuilt", "client_search_term")
    op.create_index(_CLIENT_INDEX, "client_search_term", ["client_id"], unique=False)

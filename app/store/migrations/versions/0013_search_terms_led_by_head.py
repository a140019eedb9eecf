"""search terms are keyed by their first two characters, then the client's sort key

Revision ID: 0013
Revises: 0012

The term index was keyed by the whole term, so a search for "mar" read every term from "mar" to "maz…" (thousands
of clients on a large agency, more with names in several scripts and their romanisations) and sorted them all to
show the first fifty. Keyed by the term's first two characters ("ma") and then the sort key, the rows a search needs
come in name order and SQLite stops after the first page. A date or phone number, which shares its first digits
with most clients, is its own head. The table is rebuilt from the rows on the device, in key
order, so nothing needs a fresh sync.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_CLIENT_INDEX = "ix_client_search_term_client_id"


def upgrade() -> None:
    op.create_table(
        "client_search_term_rebuilt",
        sa.Column("head", sa.String(length=200), nullable=False),
        sa.Column("sort_key", sa.String(length=400), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("head", "sort_key", "client_id", "term"),
        sqlite_with_rowid=False,
    )
    # As the app's term_head: a term starting with a digit whole, else its first two characters (substr counts
    # characters, as Python's slices do).
    op.execute(
        "INSERT INTO client_search_term_rebuilt (head, sort_key, client_id, term)"
        " SELECT CASE WHEN substr(term, 1, 1) BETWEEN '0' AND '9' THEN term ELSE substr(term, 1, 2) END,"
        " sort_key, client_id, term FROM client_search_term ORDER BY 1, 2, 3, 4"
    )
    _swap_in_rebuilt_table()


def downgrade() -> None:
    op.create_table(
        "client_search_term_rebuilt",
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("sort_key", sa.String(length=400), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "sort_key", "client_id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO client_search_term_rebuilt (term, sort_key, client_id)"
        " SELECT term, sort_key, client_id FROM client_search_term ORDER BY 1, 2, 3"
    )
    _swap_in_rebuilt_table()


def _swap_in_rebuilt_table() -> None:
    op.drop_index(_CLIENT_INDEX, table_name="client_search_term")
    op.drop_table("client_search_term")
    op.rename_table("client_search_term_rebuilt", "client_search_term")
    op.create_index(_CLIENT_INDEX, "client_search_term", ["client_id"], unique=False)

"""search terms of pulled clients wait here until the pull has stored its pages

Revision ID: 0014
Revises: 0013

A first sync brings every client of the agency, and inserting each page's search terms into ``client_search_term``
lands them at random places in its B-tree, which cost more than the rest of the sync together. Pulled clients'
terms now go into this plain table (one row per client, its terms as a JSON object of each term and its head;
appended, no index) in the transaction that stores the client, and are moved into the index at once, sorted, when
the pull ends or the database next opens (app/store/repository.py, ``index_waiting_terms``). The foreign key takes
a client's waiting terms with it when the client is replaced or removed before that.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_search_term_waiting",
        sa.Column("client_id", sa.String(length=36), sa.ForeignKey("client.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sort_key", sa.String(length=400), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.execute(
        "INSERT OR IGNORE INTO client_search_term (head, sort_key, client_id, term)"
        " SELECT term.value, waiting.sort_key, waiting.client_id, term.key"
        " FROM client_search_term_waiting AS waiting, json_each(waiting.terms) AS term"
    )
    op.drop_table("client_search_term_waiting")

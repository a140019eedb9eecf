"""search terms in every script

Revision ID: 0003
Revises: 0002

Folding used to keep only a-z and 0-9, so a client named "Олена Шевченко" or "王芳" had no name terms at all and
sorted under an empty key. Terms are now folded in each name's own script, with romanised terms beside them
("олена", "olena"), and the sort key keeps every script. A tablet in the field holds the agency's clients and must
not wait for a fresh sync to find them, so every client's terms and sort key are rebuilt here from the rows on
the device, with the same pure functions a save uses.

Downgrading keeps the rebuilt terms: the older app reads the same table, its searches (a-z only) still find every
Latin name, and the extra terms only let it find more.
"""

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.domain.search import search_terms, sort_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 2_000
_CLIENTS_AFTER = sa.text(
    "SELECT id, first_name, last_name, preferred_name, date_of_birth, phone, client_identifier FROM client"
    " WHERE id > :after ORDER BY id LIMIT :batch"
)


def upgrade() -> None:
    """Every client's terms and sort key, a batch of clients at a time (a tablet may hold 100,000)."""
    connection = op.get_bind()
    connection.exec_driver_sql("DELETE FROM client_search_term")
    after = ""
    while batch := connection.execute(_CLIENTS_AFTER, {"after": after, "batch": _BATCH}).all():
        after = batch[-1].id
        keys = [(sort_key(row.first_name, row.last_name), row.id) for row in batch]
        terms = sorted(
            (term, key, row.id) for row, (key, _) in zip(batch, keys, strict=True) for term in _terms_of(row)
        )
        connection.exec_driver_sql("UPDATE client SET sort_key = ? WHERE id = ?", keys)
        connection.exec_driver_sql("INSERT INTO client_search_term (term, sort_key, client_id) VALUES (?, ?, ?)", terms)


def downgrade() -> None:
    pass


def _terms_of(row: sa.Row[Any]) -> set[str]:
    return search_terms(
        first_name=row.first_name,
        last_name=row.last_name,
        other_names=(row.preferred_name,),
        date_of_birth=date.fromisoformat(row.date_of_birth) if row.date_of_birth else None,
        phone=row.phone,
        client_identifier=row.client_identifier,
    )

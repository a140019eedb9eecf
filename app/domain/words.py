"""Marking words for the message catalogs where they are written down, long before anyone's language is known.

``N_`` returns its argument unchanged; ``make catalogs`` finds every message passed to it, and the screens translate
the marked words when they show them (``app/i18n.py``). A message with ``{placeholders}`` is written as a template
here and filled in after translation, so the catalogs hold one entry whatever the values.
"""


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it."""
    return message

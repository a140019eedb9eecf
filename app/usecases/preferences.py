"""What this device remembers about how its workers like to read it: the language of the screens.

Each worker's choice is kept for them (several workers may share a tablet), and the device also keeps the last
choice made on it, for the sign-in screen before anyone has signed in. Both live with the device's other settings.
"""

from app.usecases.context import UnitsOfWork

DEVICE_LANGUAGE_KEY = "language"
_WORKER_LANGUAGE_KEY = "language.{user_id}"


def preferred_language(db: UnitsOfWork, user_id: str | None = None) -> str | None:
    """``user_id``'s chosen language, or (without a worker) the last one chosen on this device; None if never."""
    key = _WORKER_LANGUAGE_KEY.format(user_id=user_id) if user_id else DEVICE_LANGUAGE_KEY
    with db.reading() as uow:
        return uow.sync_state.get(key) or None


def remember_language(db: UnitsOfWork, language: str, user_id: str | None = None) -> None:
    """Keep ``language`` as the device's latest choice and, with ``user_id``, as that worker's."""
    with db.writing() as uow:
        uow.sync_state.set(DEVICE_LANGUAGE_KEY, language)
        if user_id:
            uow.sync_state.set(_WORKER_LANGUAGE_KEY.format(user_id=user_id), language)
        uow.commit()

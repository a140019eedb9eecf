"""What this device remembers about how its workers like to read it: the language of the screens.

Each worker's choice is kept for them in the (encrypted) store, since several workers may share a tablet. The device
also keeps the last choice made on it in its plain settings, for the sign-in screen, shown before the store opens.
"""

from app.store.device import DeviceStore
from app.store.settings import LANGUAGE
from app.usecases.context import UnitsOfWork

_WORKER_LANGUAGE_KEY = "language.{user_id}"


def device_language(store: DeviceStore) -> str | None:
    """The last language chosen on this device, whoever chose it; None if never."""
    return store.settings.get(LANGUAGE) or None


def preferred_language(db: UnitsOfWork, user_id: str) -> str | None:
    """``user_id``'s chosen language; None if they never chose one on this device."""
    with db.reading() as uow:
        return uow.sync_state.get(_WORKER_LANGUAGE_KEY.format(user_id=user_id)) or None


def remember_language(store: DeviceStore, language: str, user_id: str | None = None) -> None:
    """Keep ``language`` as the device's latest choice and, with ``user_id`` (signed in), as that worker's."""
    store.settings.set(LANGUAGE, language)
    if user_id and (db := store.database) is not None:
        with db.writing() as uow:
            uow.sync_state.set(_WORKER_LANGUAGE_KEY.format(user_id=user_id), language)
            uow.commit()

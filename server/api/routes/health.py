"""Liveness and protocol check: devices call it to see that the server URL is right and speaks their protocol."""

from fastapi import APIRouter

from protocol.api import HEALTH_PATH
from server.schemas import Health

router = APIRouter(tags=["health"])


@router.get(HEALTH_PATH)
def health() -> Health:
    return Health()

"""All endpoints of the API, to be mounted under ``/api/v1``."""

from fastapi import APIRouter

from server.api.routes import auth, health, reports, sync

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(sync.router)
api_router.include_router(reports.router)

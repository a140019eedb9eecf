"""Outpost client app. Kept import-free so the server can use ``app.domain`` without pulling in Flet."""

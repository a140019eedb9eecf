"""Sync protocol v1, the one definition both sides share: record shapes and their limits, status and operation
values, API paths and limits, and the JSON codec.

The device (``sync``, ``app/store``) and the server import this package; it imports only ``app.domain`` (to turn
records into domain objects and back) and its codec and validation libraries: no Flet, no HTTP client, no SQL.
"""

PROTOCOL_VERSION = 1

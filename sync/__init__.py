"""Sync protocol v1 (wire records shared by device and server) and the device-side sync engine."""

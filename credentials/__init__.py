"""Secrets the device and the server both keep: how a password or a PIN is hashed and checked."""

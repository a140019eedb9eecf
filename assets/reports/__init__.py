"""Funder export mapping files shipped with the server (read through importlib.resources)."""

"""The Locust side of the load figures, in a folder of its own: Locust puts its locustfile's folder first on the
import path, where ``bench/server.py`` would hide the ``server`` package."""

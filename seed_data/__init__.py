"""What a server is seeded with, shared by the server, the demo launcher, the benchmarks and the tests.

The reference lists every agency uses (languages, types of service location) that ``outpost-server init-db``
loads; the demo agency with its sites and workers; and a seeded generator of realistic clients and sessions (the demo
caseload, the benchmarks' large data sets). The CSV files ship inside this package (``data/``) and are read through
importlib.resources, so an installed wheel has them. It imports only ``app.domain``: the server may use it without
the device app.
"""

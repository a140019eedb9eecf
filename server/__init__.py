"""The central Outpost server: the sync API devices talk to, and the command line an agency administrator uses."""

"""Settings and security helpers shared by the API and the command line."""

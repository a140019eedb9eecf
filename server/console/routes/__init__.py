"""The console's pages, by who uses them."""

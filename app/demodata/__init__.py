"""Demo reference data shipped with Outpost, and a seeded generator of large realistic data sets."""

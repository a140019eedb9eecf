"""Domain rules of Outpost: pure Python, no Flet, HTTP or SQL.

The form, the device store and the central server all validate through this package, so a rule is written once.
"""

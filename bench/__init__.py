"""Outpost measured against the limits in its issue: each figure beside a baseline taken in the same run.

``python -m bench --quick`` (CI) or ``--full`` prints one table and writes it to ``docs/benchmarks.md``. Every figure
goes through the code the app itself runs (use cases, the sync engine, a real ``outpost-server`` process), so a
regression in any of them shows here.
"""

"""Benchmarks that print figures: `python -m bench` (see bench/reports.py)."""

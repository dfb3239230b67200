"""Benchmarks: ``python -m bench.<domain>`` prints a table with a same-run baseline."""

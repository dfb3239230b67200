"""Ledger benchmark: ``python -m bench.ledger`` (see ``__main__``)."""

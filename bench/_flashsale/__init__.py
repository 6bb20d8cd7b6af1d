"""Pieces of ``bench/flashsale.py``: raw-socket buyers, the two references, and the figures they make."""

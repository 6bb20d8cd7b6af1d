"""Pieces of ``bench/redpacket.py``."""

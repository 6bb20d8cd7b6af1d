"""Load generation of bench/groupbuy.py."""

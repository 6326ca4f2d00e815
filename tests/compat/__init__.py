"""Compatibility with code and files of the original pyTD (addisonlynch/pyTD 0.0.x)."""

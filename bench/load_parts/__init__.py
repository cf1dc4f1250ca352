"""Pieces of bench/load.py: the market it generates, the database it fills, the gunicorn
server it starts, the pages it drives with wrk and the report."""

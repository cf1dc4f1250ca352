"""Listings and the sites they sit at: the listing rules, publishing and closing, the live rule,
search.
"""

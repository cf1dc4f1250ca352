"""Listings and the sites they sit at: the listing rules, publishing and closing, the live rule,
search, and the firms' tallies behind the home page's totals.
"""

# The tallies follow every ORM write of a listing through mapper events, which exist once the
# module is imported: importing any listings service is enough, whoever writes.
from marketplace.services.listings import tallies as tallies

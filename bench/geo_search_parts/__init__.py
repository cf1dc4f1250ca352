"""The parts of bench/geo_search.py (a helper package of that one script)."""

import support  # noqa: F401  (the project root first on sys.path, as for the script)

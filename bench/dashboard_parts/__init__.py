"""The parts of bench/dashboard.py (a helper package of that one script)."""

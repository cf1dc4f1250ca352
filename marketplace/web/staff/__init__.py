"""Regional staff: statistics, opportunities, facilitation, exports (issue 7)."""

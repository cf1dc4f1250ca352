"""JSON read API (v1)."""

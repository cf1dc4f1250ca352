"""firm area."""

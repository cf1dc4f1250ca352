"""devmail area."""

"""listings area."""

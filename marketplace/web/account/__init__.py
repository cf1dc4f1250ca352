"""account area."""

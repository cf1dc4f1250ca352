"""Which listings could serve each other: the compatible categories and the candidate search."""

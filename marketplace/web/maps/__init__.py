"""Map page and vendored map assets."""

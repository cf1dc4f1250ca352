"""Impact estimates, "how we calculated this", factor sets."""

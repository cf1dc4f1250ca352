"""Domain services: plain functions over a SQLAlchemy session; no Flask, no commit()."""

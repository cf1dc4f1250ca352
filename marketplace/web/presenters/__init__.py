"""Presentation shared by several blueprints: labels, GeoJSON features, how a viewer sees the
parties of a conversation, the parsing of search and statistics filters, the estimate form.

Blueprints import from here (and from the other modules at the top of `marketplace.web`), never
from one another."""

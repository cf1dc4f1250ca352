"""Listings as GeoJSON features, for the API and the alert preview map."""

from __future__ import annotations

from typing import Any

from flask import url_for

from models.listings import Listing


def feature(listing: Listing, distance_km: float | None = None) -> dict[str, Any]:
    """A listing as a GeoJSON Feature; anonymous listings carry only their coarse point."""
    properties: dict[str, Any] = {
        "id": listing.id,
        "direction": listing.direction,
        "kind": listing.kind,
        "title": listing.title,
        "category": listing.category,
        "ewc_code": listing.ewc_code,
        "hazardous": listing.is_hazardous,
        "quantity": float(listing.quantity),
        "remaining_quantity": float(listing.remaining_quantity)
        if listing.remaining_quantity is not None
        else None,
        "unit": listing.unit,
        "recurrence": listing.recurrence,
        "municipality": listing.municipality_code,
        "county": listing.county_code,
        "anonymous": listing.is_anonymous,
        "firm": None if listing.is_anonymous else listing.organisation.name,
        "url": url_for("listings.detail", listing_id=listing.id, _external=True),
    }
    if distance_km is not None:
        properties["distance_km"] = round(distance_km, 3)
    return {
        "type": "Feature",
        "id": listing.id,
        "geometry": {
            "type": "Point",
            "coordinates": [round(listing.lon, 6), round(listing.lat, 6)],
        },
        "properties": properties,
    }

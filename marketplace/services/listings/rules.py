"""Listings: create, edit, publish, close, find; the rules of what a listing may say."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from marketplace.services.errors import N_, DomainError, Problems
from models.taxonomy import (
    CAPACITY_TYPES,
    CATEGORY_BY_KEY,
    CURRENT_ROUTES,
    KIND_UNITS,
    PRICE_MODELS,
    RECURRENCES,
    SEASONALITIES,
    VISIBILITIES,
    EwcCode,
    normalise_ewc,
)

MAX_QUANTITY = Decimal("1000000000")
PRECISION = Decimal("0.001")
MAX_DISTANCE_KM = 2000
MAX_TITLE = 120
MAX_TEXT = 5000


@dataclass(frozen=True)
class ListingInput:
    direction: str
    kind: str
    site_id: int
    title: str
    category: str
    quantity: Decimal
    unit: str
    description: str = ""
    composition: str | None = None
    ewc_code: str | None = None
    density_t_per_m3: Decimal | None = None
    recurrence: str = "once"
    available_from: date | None = None
    available_until: date | None = None
    remaining_quantity: Decimal | None = None
    price_model: str = "negotiable"
    price_sek: Decimal | None = None
    max_distance_km: int | None = None
    visibility: str = "public"
    temperature_c: Decimal | None = None
    seasonality: str | None = None
    capacity_type: str | None = None
    current_route: str | None = (
        None  # offers of material: what happens to it today (None: not said)
    )
    current_route_km: float | None = None  # road km to today's disposal site or user


# --- validation --------------------------------------------------------------------------


def _check_choice(value: str | None, allowed: tuple[str, ...], field_name: str) -> None:
    if value not in allowed:
        raise DomainError(N_("Choose one of the options."), field=field_name)


def _check_quantities(data: ListingInput) -> None:
    # Quantities are stored with three decimals; anything that rounds to zero is no quantity.
    if not Decimal(0) < data.quantity <= MAX_QUANTITY or data.quantity.quantize(PRECISION) == 0:
        raise DomainError(
            N_("Enter a quantity above zero and below one billion."), field="quantity"
        )
    if data.remaining_quantity is not None and not (
        Decimal(0) <= data.remaining_quantity <= data.quantity
    ):
        raise DomainError(
            N_("The remaining quantity must be between zero and the quantity."),
            field="remaining_quantity",
        )
    if data.unit == "m3" and data.kind == "material" and data.density_t_per_m3 is None:
        raise DomainError(
            N_("Give the density (tonnes per m³) so the quantity can be compared in tonnes."),
            field="density_t_per_m3",
        )
    if data.density_t_per_m3 is not None and not Decimal("0.01") <= data.density_t_per_m3 <= 25:
        raise DomainError(N_("A density lies between 0.01 and 25 t/m³."), field="density_t_per_m3")


def _check_dates(data: ListingInput) -> None:
    if data.available_from and data.available_until and data.available_until < data.available_from:
        raise DomainError(
            N_("The end date must be on or after the start date."), field="available_until"
        )


def _check_price(data: ListingInput) -> None:
    _check_choice(data.price_model, PRICE_MODELS, "price_model")
    if data.price_model in ("price", "fee"):
        if data.price_sek is None:
            raise DomainError(N_("Enter the price per unit in SEK."), field="price_sek")
        if not Decimal(0) <= data.price_sek <= Decimal("10000000"):
            raise DomainError(N_("Enter a price between 0 and 10 000 000 SEK."), field="price_sek")


def _check_kind_details(data: ListingInput) -> None:
    if data.kind == "energy":
        if data.temperature_c is not None and not Decimal(-50) <= data.temperature_c <= 1500:
            raise DomainError(
                N_("Enter a temperature between -50 and 1500 °C."), field="temperature_c"
            )
        if data.seasonality is not None:
            _check_choice(data.seasonality, SEASONALITIES, "seasonality")
    if data.kind == "capacity":
        _check_choice(data.capacity_type, CAPACITY_TYPES, "capacity_type")
    if data.current_route is not None:
        _check_choice(data.current_route, CURRENT_ROUTES, "current_route")
    km = data.current_route_km
    if km is not None and not (math.isfinite(km) and 0 <= km <= MAX_DISTANCE_KM):
        raise DomainError(
            N_("Enter a distance between 0 and %(n)d km."),
            field="current_route_km",
            n=MAX_DISTANCE_KM,
        )


def _resolve_ewc(session: Session, data: ListingInput) -> EwcCode | None:
    if not data.ewc_code:
        return None
    if data.kind != "material":
        raise DomainError(N_("Only materials carry a waste code."), field="ewc_code")
    code = normalise_ewc(data.ewc_code)
    ewc = session.get(EwcCode, code) if code else None
    if ewc is None:
        raise DomainError(
            N_("Unknown waste code. Use six digits from the List of Waste, e.g. 03 01 05."),
            field="ewc_code",
        )
    return ewc


def _check_text(data: ListingInput) -> None:
    title = (data.title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError(
            N_("Enter a title of at most %(n)d characters."), field="title", n=MAX_TITLE
        )


def _check_long_text(data: ListingInput, name: str) -> None:
    if len(getattr(data, name) or "") > MAX_TEXT:
        raise DomainError(N_("Use at most %(n)d characters."), field=name, n=MAX_TEXT)


def _check_classification(data: ListingInput) -> None:
    category = CATEGORY_BY_KEY.get(data.category)
    if category is None or category.kind != data.kind:
        raise DomainError(N_("Choose a category that fits the resource kind."), field="category")


def _check_unit(data: ListingInput) -> None:
    if data.unit not in KIND_UNITS.get(data.kind, ()):
        raise DomainError(N_("This unit does not fit the resource kind."), field="unit")


def _check_distance(data: ListingInput) -> None:
    if data.max_distance_km is not None and not 1 <= data.max_distance_km <= MAX_DISTANCE_KM:
        raise DomainError(
            N_("Enter a distance between 1 and %(n)d km."),
            field="max_distance_km",
            n=MAX_DISTANCE_KM,
        )


def validate(session: Session, data: ListingInput) -> EwcCode | None:
    """Check every rule a listing must satisfy, all at once (DomainError.errors lists each
    broken rule); returns the EWC entry if one was given."""
    problems = Problems()
    problems.run(_check_choice, data.direction, ("offer", "want"), "direction")
    problems.run(_check_choice, data.kind, tuple(KIND_UNITS), "kind")
    problems.run(_check_text, data)
    for name in ("description", "composition"):
        problems.run(_check_long_text, data, name)
    problems.run(_check_classification, data)
    problems.run(_check_unit, data)
    problems.run(_check_choice, data.recurrence, RECURRENCES, "recurrence")
    problems.run(_check_choice, data.visibility, VISIBILITIES, "visibility")
    problems.run(_check_distance, data)
    if data.quantity is not None:  # a quantity that did not parse is the form's to report
        problems.run(_check_quantities, data)
    problems.run(_check_dates, data)
    problems.run(_check_price, data)
    problems.run(_check_kind_details, data)
    ewc = problems.run(_resolve_ewc, session, data)
    problems.raise_if_any()
    return ewc

"""Labels the pages, API and emails share: deal and delivery states, recurrences, price models,
transport. One home, so no blueprint imports another for a label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

RECURRENCE_LABELS = {
    "once": _l("One delivery or one lot"),
    "week": _l("Per week"),
    "month": _l("Per month"),
    "year": _l("Per year"),
}
PRICE_MODEL_LABELS = {
    "price": _l("The receiver pays the supplier"),
    "fee": _l("The supplier pays the receiver (a fee)"),
    "free": _l("No money changes hands"),
}
TRANSPORT_BY_LABELS = {
    "supplier": _l("The supplier"),
    "receiver": _l("The receiver"),
    "third_party": _l("A haulier on behalf of both"),
}
TRANSPORT_MODE_LABELS = {
    "truck": _l("Truck"),
    "rail": _l("Rail"),
    "pickup": _l("Picked up by the receiver"),
}
DEAL_ROUTE_LABELS = {
    "landfill": _l("Landfill"),
    "incineration": _l("Incineration"),
    "sold": _l("Sold or used elsewhere"),
    "unknown": _l("Unknown"),
}
DELIVERY_STATUS_LABELS = {
    "pending": _l("Waiting for confirmation"),
    "confirmed": _l("Confirmed"),
    "disputed": _l("Disputed"),
}
STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "agreed": _l("Agreed"),
    "delivering": _l("Delivering"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}

DEAL_LABELS = {
    "status": STATUS_LABELS,
    "recurrence": RECURRENCE_LABELS,
    "price_model": PRICE_MODEL_LABELS,
    "transport_by": TRANSPORT_BY_LABELS,
    "transport_mode": TRANSPORT_MODE_LABELS,
    "route": DEAL_ROUTE_LABELS,
}

"""Forms for inquiries, messages, deal terms, deliveries and cancellations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.web.fields import LocalDecimalField, WholeNumberField
from marketplace.web.helpers import options
from marketplace.web.inputs import Form
from marketplace.web.presenters.labels import (
    DEAL_ROUTE_LABELS,
    PRICE_MODEL_LABELS,
    RECURRENCE_LABELS,
    TRANSPORT_BY_LABELS,
    TRANSPORT_MODE_LABELS,
)

MESSAGE_MAX = 5000


def _message(label: str | LazyString, required: bool = True) -> TextAreaField:
    first = DataRequired(message=_l("Write a message.")) if required else Optional()
    return TextAreaField(label, validators=[first, Length(max=MESSAGE_MAX)])


class InquiryForm(Form):
    message = _message(_l("Your message"))
    wanted_quantity = LocalDecimalField(
        _l("Quantity you are interested in"), validators=[Optional()], places=None
    )
    wanted_from = DateField(_l("From"), validators=[Optional()])
    wanted_until = DateField(_l("Until"), validators=[Optional()])
    counterpart_id = SelectField(
        _l("For our listing"),
        validators=[Optional()],
        description=_l("Optional: the listing of yours that this inquiry answers."),
    )


class MessageForm(Form):
    body = _message(_l("Message"))


class DealForm(Form):
    version = HiddenField()
    quantity = LocalDecimalField(
        _l("Quantity"), validators=[InputRequired(_l("Enter a quantity."))], places=None
    )
    recurrence = SelectField(_l("How often"), default="once")
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(_l("End"), validators=[Optional()])
    price_model = RadioField(_l("Money"), default="price")
    price_sek = LocalDecimalField(_l("Price per unit (SEK)"), validators=[Optional()], places=None)
    transport_by = SelectField(_l("Who transports"), default="supplier")
    transport_mode = SelectField(_l("How"), default="truck")
    receiver_site_id = SelectField(_l("Delivered to"), validators=[Optional()])
    baseline_route = SelectField(
        _l("Where the stream goes today"),
        description=_l("The route this exchange replaces; it decides the avoided disposal."),
    )
    baseline_distance_km = LocalDecimalField(
        _l("Road distance to today's disposal site (km)"),
        validators=[Optional(), NumberRange(min=0)],
        places=None,
        description=_l("Leave empty if unknown: the whole new haul then counts as extra."),
    )
    substitution_ratio = LocalDecimalField(
        _l("Substitution ratio"),
        validators=[InputRequired(), NumberRange(min=0, max=1)],
        default=1,
        places=None,
        description=_l(
            "1 when it replaces the same amount of virgin input; 0.5–0.9 when it is a lower grade."
        ),
    )
    substitution_today = LocalDecimalField(
        _l("Substitution ratio of today's use (if sold or used today)"),
        validators=[Optional(), NumberRange(min=0, max=1)],
        places=None,
        description=_l(
            "A stream already sold earns credit only for the grade the new use adds over"
            " today's use; leave empty when the grade is the same."
        ),
    )
    virgin_price_sek = LocalDecimalField(
        _l("Price of the input it replaces (SEK per t)"),
        validators=[Optional(), NumberRange(min=0)],
        places=None,
    )
    displaced_heat_kg_per_mwh = LocalDecimalField(
        _l("Emission factor of the heat it replaces (kg CO2e per MWh)"),
        validators=[Optional()],
        places=None,
    )
    note = TextAreaField(_l("Other terms"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recurrence.choices = options(RECURRENCE_LABELS.items())
        self.price_model.choices = options(PRICE_MODEL_LABELS.items())
        self.transport_by.choices = options(TRANSPORT_BY_LABELS.items())
        self.transport_mode.choices = options(TRANSPORT_MODE_LABELS.items())
        self.baseline_route.choices = options(DEAL_ROUTE_LABELS.items())


class AcceptForm(Form):
    version = WholeNumberField(validators=[InputRequired()])


class DeliveryForm(Form):
    quantity = LocalDecimalField(
        _l("Quantity delivered"), validators=[InputRequired(_l("Enter a quantity."))], places=None
    )
    delivered_on = DateField(_l("Delivery date"), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note (weighing slip, vehicle)"), validators=[Optional(), Length(max=2000)]
    )


class DisputeForm(Form):
    reason = TextAreaField(
        _l("What is wrong with the delivery (shown to the other firm)"),
        validators=[InputRequired(_l("Say what is wrong with the delivery.")), Length(max=2000)],
    )


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reason (shown to the other firm)"), validators=[Optional(), Length(max=2000)]
    )

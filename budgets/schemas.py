"""Marshmallow schemas: parse funding input (API, xlsx import, web forms) into typed values.

Parsing checks types and shapes only; the rules live in `budgets.services`. A relation is given
as its id (API) or as its code (import: project code, source code or name).
"""
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, pre_load

from core.schemas import messages, parse


class Money(fields.Field):
    """An amount of yuan as an exact Decimal: a decimal string, an integer, or a JSON number
    read by its digits (never through binary floating point arithmetic)."""

    default_error_messages = {"invalid": _l("Not an amount of money.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float):
            value = repr(value)
        if isinstance(value, str):
            value = value.strip().replace(",", "")
        try:
            amount = Decimal(value) if isinstance(value, (str, int, Decimal)) else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise self.make_error("invalid")
        return amount


class Ref(fields.Field):
    """A relation: an id (int) or a code/name (text)."""

    default_error_messages = {"invalid": _l("Give an id or a code.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            return int(text) if text.isdigit() else text
        raise self.make_error("invalid")


class _Input(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def strip_texts(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


def _note():
    return fields.String(load_default=None, allow_none=True,
                         error_messages=messages(_l("Not a text.")))


class FundingLineSchema(_Input):
    project = Ref(required=True, error_messages=messages(_l("Give an id or a code.")))
    source = Ref(required=True, error_messages=messages(_l("Give an id or a code.")))
    year = fields.Integer(required=True, strict=False,
                          error_messages=messages(_l("Not a year, e.g. 2013.")))
    amount = Money(required=True, error_messages=messages(_l("Not an amount of money.")))
    note = _note()


class FundingLineUpdateSchema(FundingLineSchema):
    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class PaymentSchema(_Input):
    """A disbursement or an expenditure."""

    funding_line = Ref(required=True, error_messages=messages(_l("Give an id.")))
    date = fields.Date(required=True, error_messages=messages(_l("Not a date (YYYY-MM-DD).")))
    amount = Money(required=True, error_messages=messages(_l("Not an amount of money.")))
    voucher_no = fields.String(load_default=None, allow_none=True,
                               error_messages=messages(_l("Not a text.")))
    note = _note()


class PaymentUpdateSchema(PaymentSchema):
    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class LineChangeSchema(_Input):
    source = Ref(required=True, error_messages=messages(_l("Give an id or a code.")))
    year = fields.Integer(required=True, strict=False,
                          error_messages=messages(_l("Not a year, e.g. 2013.")))
    amount = Money(required=True, error_messages=messages(_l("Not an amount of money.")))


class ChangeRequestSchema(_Input):
    project = Ref(required=True, error_messages=messages(_l("Give an id or a code.")))
    reason = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    new_budget_total = Money(load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(LineChangeSchema), load_default=list)


class DecisionSchema(_Input):
    decision = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    comment = fields.String(load_default="", allow_none=True)


class FundingSourceSchema(_Input):
    code = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    name = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    name_en = fields.String(load_default=None, allow_none=True)
    social_capital = fields.Boolean(load_default=False)
    position = fields.Integer(load_default=0, strict=False)


class FundingSourceUpdateSchema(FundingSourceSchema):
    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


def load(schema: Schema, raw, message):
    """Typed values, or ValidationFailed(message) naming each bad field (translated)."""
    return parse(schema, raw, message, not_an_object=message)

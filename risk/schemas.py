"""Marshmallow schemas: parse risk and rating input (API, forms) into typed values.
Parsing checks types and shapes only; the rules live in the services."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from core.schemas import DATE_ERRORS as _DATE
from core.schemas import TEXT_ERRORS as _TEXT
from core.schemas import BlanksAsNone, ProjectRef

_INT = {"invalid": _l("Give a whole number from 1 to 5."), "required": _l("This field is required."),
        "null": _l("This field may not be empty.")}


class RiskInputSchema(BlanksAsNone):
    project = ProjectRef(required=True, error_messages=_TEXT)
    category = fields.String(required=True, error_messages=_TEXT)
    title = fields.String(allow_none=True, error_messages=_TEXT)
    description = fields.String(allow_none=True, error_messages=_TEXT)
    likelihood = fields.Integer(required=True, strict=True, error_messages=_INT)
    impact = fields.Integer(required=True, strict=True, error_messages=_INT)
    owner = fields.String(allow_none=True, error_messages=_TEXT)
    mitigation = fields.String(allow_none=True, error_messages=_TEXT)
    status = fields.String(allow_none=True, error_messages=_TEXT)
    next_review = fields.Date(allow_none=True, error_messages=_DATE)


class RiskUpdateSchema(BlanksAsNone):
    category = fields.String(error_messages=_TEXT)
    title = fields.String(error_messages=_TEXT)
    description = fields.String(allow_none=True, error_messages=_TEXT)
    likelihood = fields.Integer(strict=True, error_messages=_INT)
    impact = fields.Integer(strict=True, error_messages=_INT)
    owner = fields.String(allow_none=True, error_messages=_TEXT)
    mitigation = fields.String(allow_none=True, error_messages=_TEXT)
    status = fields.String(error_messages=_TEXT)
    next_review = fields.Date(allow_none=True, error_messages=_DATE)


class ManualRatingSchema(BlanksAsNone):
    rating = fields.Integer(required=True, strict=True, error_messages=_INT)
    reason = fields.String(allow_none=True, error_messages=_TEXT)

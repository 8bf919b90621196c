"""Marshmallow schemas: parse milestone and finding input (API, forms) into typed values.
Parsing checks types and shapes only; the rules live in the services."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from core.errors import ValidationFailed
from projects.schemas import localized

_DATE = {"invalid": _l("Not a date (YYYY-MM-DD)."), "required": _l("This field is required."),
         "null": _l("This field may not be empty.")}
_TEXT = {"invalid": _l("Not a text."), "required": _l("This field is required."),
         "null": _l("This field may not be empty.")}


class ProjectRef(fields.Field):
    """A project by id (12) or by code ("TC-2013-001")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
            raise ValidationError(str(_l("Give the project's id or code.")))
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value


class _Blanks(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def blanks_are_none(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: (None if isinstance(v, str) and not v.strip() else
                    v.strip() if isinstance(v, str) else v) for k, v in data.items()}


class MilestoneInputSchema(_Blanks):
    project = ProjectRef(required=True, error_messages=_TEXT)
    type = fields.String(required=True, error_messages=_TEXT)
    planned_date = fields.Date(required=True, error_messages=_DATE)
    actual_date = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(allow_none=True, error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class MilestoneUpdateSchema(_Blanks):
    planned_date = fields.Date(error_messages=_DATE)
    actual_date = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class FindingInputSchema(_Blanks):
    project = ProjectRef(required=True, error_messages=_TEXT)
    severity = fields.String(required=True, error_messages=_TEXT)
    description = fields.String(required=True, error_messages=_TEXT)
    rectification_owner = fields.String(required=True, error_messages=_TEXT)
    deadline = fields.Date(required=True, error_messages=_DATE)
    raised_on = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(allow_none=True, error_messages=_TEXT)
    rectification_note = fields.String(allow_none=True, error_messages=_TEXT)


class FindingUpdateSchema(_Blanks):
    severity = fields.String(error_messages=_TEXT)
    description = fields.String(error_messages=_TEXT)
    rectification_owner = fields.String(error_messages=_TEXT)
    deadline = fields.Date(error_messages=_DATE)
    status = fields.String(error_messages=_TEXT)
    rectification_note = fields.String(allow_none=True, error_messages=_TEXT)


def parse(schema: Schema, raw, message) -> dict:
    """Typed values, or ValidationFailed(message) naming each bad field."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_l("Expected a JSON object."))
    try:
        return schema.load(raw)
    except ValidationError as err:
        raise ValidationFailed(message, localized(err.messages))

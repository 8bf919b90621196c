"""Marshmallow schemas: parse milestone and finding input (API, forms) into typed values.
Parsing checks types and shapes only; the rules live in the services."""
from marshmallow import fields

from core.schemas import DATE_ERRORS as _DATE
from core.schemas import TEXT_ERRORS as _TEXT
from core.schemas import BlanksAsNone, ProjectRef


class MilestoneInputSchema(BlanksAsNone):
    project = ProjectRef(required=True, error_messages=_TEXT)
    type = fields.String(required=True, error_messages=_TEXT)
    planned_date = fields.Date(required=True, error_messages=_DATE)
    actual_date = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(allow_none=True, error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class MilestoneUpdateSchema(BlanksAsNone):
    planned_date = fields.Date(error_messages=_DATE)
    actual_date = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class FindingInputSchema(BlanksAsNone):
    project = ProjectRef(required=True, error_messages=_TEXT)
    severity = fields.String(required=True, error_messages=_TEXT)
    description = fields.String(required=True, error_messages=_TEXT)
    rectification_owner = fields.String(required=True, error_messages=_TEXT)
    deadline = fields.Date(required=True, error_messages=_DATE)
    raised_on = fields.Date(allow_none=True, error_messages=_DATE)
    status = fields.String(allow_none=True, error_messages=_TEXT)
    rectification_note = fields.String(allow_none=True, error_messages=_TEXT)


class FindingUpdateSchema(BlanksAsNone):
    severity = fields.String(error_messages=_TEXT)
    description = fields.String(error_messages=_TEXT)
    rectification_owner = fields.String(error_messages=_TEXT)
    deadline = fields.Date(error_messages=_DATE)
    status = fields.String(error_messages=_TEXT)
    rectification_note = fields.String(allow_none=True, error_messages=_TEXT)

"""Marshmallow schemas: parse assessment, post-evaluation, training and moderation input (API,
forms, imports) into typed values. Parsing checks types and shapes only; the rules live in the
services."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from core.schemas import DATE_ERRORS as _DATE
from core.schemas import TEXT_ERRORS as _TEXT
from core.schemas import BlanksAsNone as _Blanks
from core.schemas import ProjectRef

_NUMBER = {"invalid": _l("Not a number."), "required": _l("This field is required."),
           "null": _l("This field may not be empty.")}
_INT = {"invalid": _l("Give a whole number."), "required": _l("This field is required."),
        "null": _l("This field may not be empty.")}


class DepartmentRef(fields.Field):
    """A department by id (3) or by code or name."""

    def _deserialize(self, value, attr, data, **kwargs):
        from marshmallow import ValidationError
        if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
            raise ValidationError(str(_l("Give the department's code or name.")))
        return value


class AssessmentSchema(_Blanks):
    department = DepartmentRef(required=True, error_messages=_TEXT)
    year = fields.Integer(required=True, strict=False, error_messages=_INT)
    information_disclosure = fields.Decimal(required=True, error_messages=_NUMBER)
    online_services = fields.Decimal(required=True, error_messages=_NUMBER)
    public_participation = fields.Decimal(required=True, error_messages=_NUMBER)
    website_construction = fields.Decimal(required=True, error_messages=_NUMBER)
    evidence_note = fields.String(allow_none=True, error_messages=_TEXT)


class AssessmentUpdateSchema(_Blanks):
    information_disclosure = fields.Decimal(error_messages=_NUMBER)
    online_services = fields.Decimal(error_messages=_NUMBER)
    public_participation = fields.Decimal(error_messages=_NUMBER)
    website_construction = fields.Decimal(error_messages=_NUMBER)
    evidence_note = fields.String(allow_none=True, error_messages=_TEXT)


class PostEvaluationSchema(_Blanks):
    project = ProjectRef(required=True, error_messages=_TEXT)
    evaluated_on = fields.Date(required=True, error_messages=_DATE)
    evaluator = fields.String(required=True, error_messages=_TEXT)
    objectives_met = fields.String(required=True, error_messages=_TEXT)
    objectives_note = fields.String(allow_none=True, error_messages=_TEXT)
    usage_indicator = fields.String(required=True, error_messages=_TEXT)
    usage_target = fields.Decimal(required=True, error_messages=_NUMBER)
    usage_actual = fields.Decimal(required=True, error_messages=_NUMBER)
    final_cost = fields.Decimal(required=True, error_messages=_NUMBER)
    benefits = fields.String(required=True, error_messages=_TEXT)
    problems = fields.String(allow_none=True, error_messages=_TEXT)
    lessons = fields.String(allow_none=True, error_messages=_TEXT)


class PostEvaluationUpdateSchema(_Blanks):
    evaluated_on = fields.Date(error_messages=_DATE)
    evaluator = fields.String(error_messages=_TEXT)
    objectives_met = fields.String(error_messages=_TEXT)
    objectives_note = fields.String(allow_none=True, error_messages=_TEXT)
    usage_indicator = fields.String(error_messages=_TEXT)
    usage_target = fields.Decimal(error_messages=_NUMBER)
    usage_actual = fields.Decimal(error_messages=_NUMBER)
    final_cost = fields.Decimal(error_messages=_NUMBER)
    benefits = fields.String(error_messages=_TEXT)
    problems = fields.String(allow_none=True, error_messages=_TEXT)
    lessons = fields.String(allow_none=True, error_messages=_TEXT)


class TrainingSchema(_Blanks):
    department = DepartmentRef(required=True, error_messages=_TEXT)
    held_on = fields.Date(required=True, error_messages=_DATE)
    subject = fields.String(required=True, error_messages=_TEXT)
    hours = fields.Decimal(required=True, error_messages=_NUMBER)
    attendees = fields.Integer(required=True, strict=False, error_messages=_INT)
    passed = fields.Integer(required=True, strict=False, error_messages=_INT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class ModerationSchema(_Blanks):
    decision = fields.String(required=True, error_messages=_TEXT)
    note = fields.String(allow_none=True, error_messages=_TEXT)


class ReplySchema(_Blanks):
    reply = fields.String(required=True, error_messages=_TEXT)

"""Marshmallow schemas: parse project input (API, JSON/xlsx import, CLI) into typed values.

Parsing only checks types and shapes; the rules live in `projects.services.validate_project`.
"""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from core.schemas import localized, messages  # noqa: F401 (guard reads it)
from projects.models import split_tags

INPUT_KEYS = ("code", "name", "department", "plan_task", "category", "description",
              "capabilities", "budget_total", "start_date", "end_date")



class TagList(fields.Field):
    """A list of tags, given as a list or as text separated by '、' or ','."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return split_tags(value)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return [v.strip() for v in value if v.strip()]
        raise ValidationError(str(_l("Give a list of texts or texts separated by '、'.")))


class ProjectInputSchema(Schema):
    """The import keys of DESIGN §7, plus optional details and reuse links."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    name = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    department = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    plan_task = TagList(required=True, error_messages=messages(_l("Not a plan task code.")))
    category = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    description = fields.String(load_default=None, allow_none=True)
    capabilities = TagList(load_default=list)
    budget_total = fields.Decimal(required=True, places=None, allow_nan=False,
                                  error_messages={**messages(_l("Not an amount of money.")),
                                                  "special": _l("Not an amount of money.")})
    start_date = fields.Date(required=True, error_messages=messages(
        _l("Not a date (YYYY-MM-DD).")))
    end_date = fields.Date(required=True, error_messages=messages(
        _l("Not a date (YYYY-MM-DD).")))
    contractor = fields.String(load_default=None, allow_none=True)
    supervisor = fields.String(load_default=None, allow_none=True)
    protection_level = fields.Integer(load_default=None, allow_none=True, strict=False,
                                      error_messages=messages(_l("Not a whole number.")))
    reuses = TagList(load_default=list)
    listed_in_plan = fields.Boolean(load_default=False, truthy={True, 1, "1", "true", "yes", "是"},
                                    falsy={False, 0, "0", "false", "no", "否", ""})

    @pre_load
    def normalise(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "plan_task" not in data and "plan_tasks" in data:
            data["plan_task"] = data.pop("plan_tasks")
        for key, value in list(data.items()):
            if isinstance(value, str):
                data[key] = value.strip()
            if isinstance(value, float):  # xlsx cells and JSON numbers: keep the digits shown
                data[key] = str(Decimal(repr(value))) if key == "budget_total" else value
            if value == "" and key in ("description", "contractor", "supervisor",
                                       "protection_level"):
                data[key] = None
        return data


class ProjectUpdateSchema(ProjectInputSchema):
    """An update sends only the fields it changes."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class TransitionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    to = fields.String(required=True, error_messages=messages(_l("Not a text.")))
    comment = fields.String(load_default="", allow_none=True)


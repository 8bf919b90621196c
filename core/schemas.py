"""What every package's marshmallow schemas share: the translated error texts, a base schema
that ignores unknown keys and reads blank texts as missing, and `parse()`, which turns
marshmallow's errors into a ValidationFailed naming each field."""
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from core.errors import ValidationFailed

REQUIRED = _l("This field is required.")
NULL = _l("This field may not be empty.")


def messages(invalid) -> dict:
    """Error texts of a field: `invalid` for a value of the wrong type."""
    return {"required": REQUIRED, "null": NULL, "invalid": invalid}


DATE_ERRORS = messages(_l("Not a date (YYYY-MM-DD)."))
TEXT_ERRORS = messages(_l("Not a text."))


class BlanksAsNone(Schema):
    """Unknown keys are ignored; texts are stripped and a blank text is None (web forms send
    empty fields)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def blanks_are_none(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: (None if isinstance(v, str) and not v.strip() else
                    v.strip() if isinstance(v, str) else v) for k, v in data.items()}


class ProjectRef(fields.Field):
    """A project by id (12) or by code ("TC-2013-001")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
            raise ValidationError(str(_l("Give the project's id or code.")))
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value


def localized(errors):
    """marshmallow errors with lazy (translated) texts made into plain strings, per field."""
    if isinstance(errors, dict):
        return {k: localized(v) for k, v in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [str(m) if not isinstance(m, (dict, list)) else localized(m) for m in errors]
    return str(errors)


def flatten(errors, prefix="") -> dict:
    """{"lines": {0: {"amount": [..]}}} -> {"lines[0].amount": [..]}: one entry per field."""
    flat = {}
    for key, value in errors.items():
        name = f"{prefix}[{key}]" if isinstance(key, int) else (
            f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def parse(schema: Schema, raw, message, not_an_object=None) -> dict:
    """Typed values, or ValidationFailed(message) naming each bad field."""
    if not isinstance(raw, dict):
        raise ValidationFailed(not_an_object or _l("Expected a JSON object."))
    try:
        return schema.load(raw)
    except ValidationError as err:
        raise ValidationFailed(message, flatten(localized(err.messages)))

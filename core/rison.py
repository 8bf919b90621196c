"""FAB's @rison validates a query argument with jsonschema.validate(), which first checks the
schema itself against the metaschema, on every request: about 6 ms of a 20 ms REST list. FAB's
reference to the jsonschema module is pointed at one that builds a validator once per schema."""
import jsonschema
import flask_appbuilder.api as fab_api


class _BuiltValidators:
    """jsonschema's validate() and ValidationError, as FAB's @rison uses them."""

    ValidationError = jsonschema.ValidationError

    def __init__(self):
        self._built = {}  # id(schema) -> (schema, validator); FAB's schemas are module constants

    def validate(self, instance, schema):
        schema_and_validator = self._built.get(id(schema))
        if schema_and_validator is None or schema_and_validator[0] is not schema:
            validator_class = jsonschema.validators.validator_for(schema)
            validator_class.check_schema(schema)
            schema_and_validator = self._built[id(schema)] = (schema, validator_class(schema))
        error = jsonschema.exceptions.best_match(schema_and_validator[1].iter_errors(instance))
        if error is not None:
            raise error


def install() -> None:
    fab_api.jsonschema = _BuiltValidators()

"""The OpenAPI document of /api/v1 as the API really answers (issue 11), made true in one place.

FAB writes the document from the APIs' docstrings and marshmallow schemas; `conform` then says
what FAB's generator does not know:
- the answers every operation can give: 400 (a malformed request: a NUL byte, JSON nested too
  deep, a body that is not an object), 401 (no, a malformed, an expired or a revoked token),
  403 (the role may not), 404 on a path with an id (none, or not in the user's scope), 409 and
  422 on writes (a rule of the services refused: core.errors), 413 on a body over
  MAX_CONTENT_LENGTH; each error a JSON object with a `message`;
- ids are integers; `_info`'s add and edit columns are lists of column descriptions;
- a write through the services answers the record as read (the resource's `get` schema), and
  its id; docstrings may say so in short (`x-record`, `x-body`: `_spell_out`);
- in what the API answers, a related record may be null and a decimal (money, scores) is a
  string ("1200000.00"), as Flask writes a Decimal.
"""
import copy

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi

METHODS = ("get", "post", "put", "patch", "delete")
ERROR = {"type": "object", "required": ["message"], "properties": {
    "message": {"description": "What went wrong: a sentence, or the fields' messages",
                "anyOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]},
    "errors": {"type": "object", "description": "field: its messages",
               "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    "reason": {"type": "string"}}}
ERRORS = {
    "400": "Bad request: malformed parameters or body (a NUL byte, JSON nested too deep, a "
           "body that is not a JSON object)",
    "401": "No token, or a malformed, expired or revoked one (logout, password change, "
           "deactivated user)",
    "403": "The user's role or department may not do this",
    "404": "No such record, or not one the user may see",
    "409": "The record changed meanwhile (a stale version), or its state does not allow this",
    "413": "The request body is larger than the server accepts",
    "422": "A rule refused the values (the fields at fault under `errors`)",
    "500": "Fatal error",
}
UTC_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"
ID = {"type": "integer", "description": "The item id"}
DECIMAL = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}],
           "description": "A decimal: best as a string, e.g. \"1200000.00\""}
VERSION = {"type": "integer", "description": "The version read: if the record has been saved "
           "since, the write is refused with 409 and the current values (or send If-Match)"}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": "The version read, as the `version` field"}
COLUMN = {"type": "object", "description": "A column of the form", "properties": {
    "name": {"type": "string"}, "label": {"type": "string"}, "description": {"type": "string"},
    "required": {"type": "boolean"}, "unique": {"type": "boolean"}, "type": {"type": "string"},
    "count": {"type": "integer"},
    "values": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "value": {"type": "string"}}}}}}


class OpenApi(FabOpenApi):
    """FAB's /api/<version>/_openapi, conformed (same name: same permission)."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of an API version
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI document
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        api_spec = self._create_api_spec(version)
        apis = {}
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                apis[base_api.openapi_spec_tag or type(base_api).__name__] = base_api
        if not apis:
            return self.response_404()
        return self.response(200, **conform(api_spec.to_dict(), apis))


def register(appbuilder) -> None:
    """In place of FAB's OpenApiManager (FAB_ADD_OPENAPI_VIEWS is off): the document and, where
    configured, Swagger UI."""
    from flask_appbuilder.api.manager import SwaggerView
    if current_app.config.get("FAB_API_SWAGGER_UI"):
        appbuilder.add_api(OpenApi)
        appbuilder.add_view_no_menu(SwaggerView)


def conform(spec: dict, apis: dict) -> dict:
    """FAB's document (a dict) made true to the answers; `apis`: tag -> the API instance."""
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR
    components["responses"] = {code: _error(text) for code, text in ERRORS.items()}
    _schemas(components["schemas"], apis)
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                api = apis.get((operation.get("tags") or [None])[0])
                _statuses(path, method, operation, api)
                _answers(path, method, operation, api)
    return spec


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _versioned(api) -> bool:
    from core.versioning import Versioned
    return _is_service_api(api) and issubclass(api.datamodel.obj, Versioned)


def _is_service_api(api) -> bool:
    from core.api import ServiceApi
    return isinstance(api, ServiceApi)


def _statuses(path, method, operation, api) -> None:
    """Add the statuses the operation can answer; an error without a body gets the Error one."""
    responses = operation.setdefault("responses", {})
    codes = {"400"}
    # every operation but the login checks a token (the login answers 401 to a wrong password)
    codes |= {"401"} if type(api).__name__ == "SecurityApi" else {"401", "403"}
    if "{" in path:
        codes.add("404")
    if method != "get" and _is_service_api(api):
        codes |= {"403", "404", "409", "422"}  # 404: a record it names is not visible
    if "requestBody" in operation:
        codes.add("413")
    if method == "put" and _versioned(api):
        operation.setdefault("parameters", []).append(IF_MATCH)
    for code in sorted(codes):
        responses.setdefault(code, {"$ref": f"#/components/responses/{code}"})
    for code, response in responses.items():
        if code[0] in "45" and "$ref" not in response and "content" not in response:
            responses[code] = _error(response.get("description") or ERRORS.get(code, code))


def _answers(path, method, operation, api) -> None:
    """Success bodies: integer ids, `_info`'s column lists, a service write's record."""
    for code, response in operation.get("responses", {}).items():
        if code[0] != "2":
            continue
        _spell_out(response, api)
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        properties = schema.get("properties", {})
        if "id" in properties:
            properties["id"] = ID
        if "ids" in properties:
            properties["ids"] = {"type": "array", "items": {"type": "integer"}}
        if path.endswith("/_info"):
            for key in ("add_columns", "edit_columns"):
                if key in properties:
                    properties[key] = {"type": "array", "items": COLUMN}
        if not _is_service_api(api) or "{pk}/" in path or path.endswith("/_info"):
            continue
        wrote = (method == "post" and api.create is not None) or (
            method == "put" and api.change is not None)
        if wrote and "result" in properties:
            properties["id"] = ID
            properties["result"] = {"$ref": f"#/components/schemas/{type(api).__name__}.get"}


def _spell_out(response: dict, api) -> None:
    """The docstrings' shorthands: `x-body: {properties}`, a JSON object with them;
    `x-record: {properties}`, the resource's record (its id and the `get` schema) and them."""
    if "x-record" in response:
        properties = {"id": ID, "result": {
            "$ref": f"#/components/schemas/{type(api).__name__}.get"},
            **(response.pop("x-record") or {})}
    elif "x-body" in response:
        properties = response.pop("x-body") or {}
    else:
        return
    response["content"] = {"application/json": {"schema": {
        "type": "object", "properties": properties}}}


def _schemas(schemas: dict, apis: dict) -> None:
    """The resources' schemas as the API reads and writes them: in answers (get, get_list and
    their nested schemas) a to-one related record may be null, a decimal is a string and a
    time is UTC without an offset; in request bodies (post, put) a related record is named by
    its id (the services also take a code where the operation says so)."""
    for name, schema in schemas.items():
        parts = name.split(".")
        if len(parts) < 2:
            continue
        properties = schema.get("properties", {})
        if parts[1] in ("get", "get_list"):
            for key, prop in list(properties.items()):
                properties[key] = _as_answered(prop)
        elif parts[1] in ("post", "put") and len(parts) == 2:
            api = apis.get(parts[0])
            by_services = _is_service_api(api) and getattr(
                api, "create" if parts[1] == "post" else "change") is not None
            for key, prop in list(properties.items()):
                if prop.get("type") == "array" and prop.get("items") == {}:
                    prop["items"] = _reference(by_services)
                elif "type" not in prop and "$ref" not in prop and "allOf" not in prop:
                    properties[key] = {**_reference(by_services), **prop}
                elif by_services and prop.get("type") == "number":
                    properties[key] = {**DECIMAL, "nullable": prop.get("nullable", False)}
            if by_services:  # the services take more keys (the operation's description)
                schema.pop("additionalProperties", None)
            if parts[1] == "put" and _versioned(api):
                properties["version"] = VERSION


def _as_answered(prop: dict) -> dict:
    if "$ref" in prop:
        return {"allOf": [copy.deepcopy(prop)], "nullable": True}
    if prop.get("type") == "number":
        return {"type": "string", "format": "decimal", "nullable": prop.get("nullable", False)}
    if prop.get("format") == "date-time":
        return {"type": "string", "nullable": prop.get("nullable", False),
                "pattern": UTC_TIME, "description": "UTC, ISO 8601 without an offset"}
    return prop



def _reference(by_services: bool) -> dict:
    if by_services:
        return {"anyOf": [{"type": "integer"}, {"type": "string"}],
                "description": "The related record's id (or its code, where the operation "
                               "says so)"}
    return {"type": "integer", "description": "The id of an existing related record"}

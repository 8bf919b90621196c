"""The one REST base of PlanGuard (FAB ModelRestApi): reads are FAB's, scoped by the model's
scope (core.scoping.Scoped); every write goes through a service function, and the services' DomainErrors map
to their HTTP status with the reasons (`DomainError.status`), here and nowhere else.

A resource names its services as static methods:
    create(body, user) -> item         POST
    change(item, body, user) -> item   PUT
    remove(item, user)                 DELETE
    lookup(pk, user) -> item           the scoped item for PUT/DELETE (default: FAB's get
                                       within base_filters, the scope included; NotFound)
A resource without `create`/`change`/`remove` keeps FAB's own write, its pre_* hooks raising
DomainErrors. An HTTP error anywhere under /api/ (no such route, method not allowed, body too
large, an id beyond the keys) answers JSON with a `message` too (`install_json_errors`).
"""
from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from sqlalchemy.exc import DataError
from flask_appbuilder import ModelRestApi

from core.errors import DomainError, NotFound
from core.extensions import db
from core.scoping import Scoped
from core.security import current_user
from core.uow import transaction
from core.versioning import StaleVersion, Versioned, ensure_current


class ServiceApi(Scoped, ModelRestApi):
    allow_browser_login = True
    create = change = remove = lookup = None
    body_schemas: dict = {}  # "post"/"put" -> the marshmallow schema the service parses

    def add_apispec_components(self, api_spec):
        """The request bodies documented are the ones the services parse (core.openapi)."""
        super().add_apispec_components(api_spec)
        for method, schema in self.body_schemas.items():
            api_spec.components.schema(f"{type(self).__name__}.{method}.body", schema=schema)

    def _init_properties(self):
        """A versioned record shows its `version`: a PUT that sends it back (or `If-Match`) is
        refused with 409 and the current values when somebody saved in between."""
        super()._init_properties()
        if issubclass(self.datamodel.obj, Versioned):
            # ... and selects it with the rest (else one SELECT of it per row of a list)
            for attr in ("show_columns", "list_columns", "show_select_columns",
                         "list_select_columns"):
                columns = list(getattr(self, attr) or [])
                if columns and "version" not in columns:
                    setattr(self, attr, columns + ["version"])

    # --- plumbing every endpoint uses ------------------------------------------------------

    def domain_error(self, exc: DomainError):
        db.session.rollback()
        return self.response(exc.status, **exc.as_dict())

    def json_body(self):
        """The request's JSON object, or None when the body is not one."""
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return None
        return request.get_json()

    def not_an_object(self):
        return self.response_400(message="Request is not a JSON object")

    def guarded(self, action):
        """action() -> a response; a DomainError becomes its status instead, and a value the
        database refuses (PostgreSQL: a number beyond its column) a 422."""
        try:
            return action()
        except DomainError as exc:
            return self.domain_error(exc)
        except DataError as exc:
            return self.out_of_range(exc)

    def out_of_range(self, exc):
        db.session.rollback()
        return self.response(422, message=str(_(
            "A value is out of range or malformed for the database.")),
            reason=type(getattr(exc, "orig", exc)).__name__)

    def write(self, status, action, answer=None):
        """Run action() -> item, or (item, extra answer keys), and commit; answer with
        answer(item) when given, else the item (and its id), or {"message": "OK"} for None."""
        try:
            with transaction():
                outcome = action()
        except DomainError as exc:
            return self.domain_error(exc)
        except DataError as exc:
            return self.out_of_range(exc)
        item, extra = outcome if isinstance(outcome, tuple) else (outcome, {})
        if answer is not None:
            return self.response(status, **answer(item))
        if item is None:
            return self.response(status, message="OK", **extra)
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item),
                             **extra)

    def visible_item(self, pk):
        """The item within the user's scope, else NotFound (no existence leak)."""
        if self.lookup is not None:
            return self.lookup(pk, current_user())
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            raise NotFound("Not found")
        return item

    # --- the writes -------------------------------------------------------------------------

    def unknown_references(self, columns):
        """A 422 when FAB's own write would not find a related record by its id: given an
        object (or an unknown id), marshmallow-sqlalchemy builds a new record from it instead."""
        body = self.json_body()
        if body is None:
            return None
        errors = {}
        for name in columns:
            if name not in body or not self.datamodel.is_relation(name):
                continue
            many = self.datamodel.is_relation_many_to_many(name) or \
                self.datamodel.is_relation_one_to_many(name)
            values = body[name] if many and isinstance(body[name], list) else [body[name]]
            model = self.datamodel.get_related_model(name)
            if any(not (value is None and not many) and (
                    isinstance(value, bool) or not isinstance(value, int)
                    or db.session.get(model, value) is None) for value in values):
                errors[name] = [str(_("No such record: give the id of an existing one."))]
        if not errors:
            return None
        db.session.rollback()
        return self.response(422, message=str(_("No such record.")), errors=errors)

    def post_headless(self):
        if self.create is None:
            refusal = self.unknown_references(self.add_columns)
            if refusal is not None:
                return refusal
            return self.guarded(super().post_headless)
        body = self.json_body()
        if body is None:
            return self.not_an_object()
        return self.write(201, lambda: self.create(body, current_user()))

    def stale(self, pk, expected):
        """A 409 response when the client's version of the record is not the stored one."""
        if expected is None:
            return None
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return None  # the write answers 404
        try:
            ensure_current(item, expected)
        except StaleVersion as exc:
            db.session.rollback()
            return self.response(409, **exc.as_dict(), changed=exc.changed,
                                 current=self.show_model_schema.dump(item))
        except DomainError as exc:
            return self.domain_error(exc)
        return None

    def put_headless(self, pk):
        body = self.json_body()
        expected = request.headers.get("If-Match")
        if body is not None and "version" in body:
            expected = body.pop("version")  # the request's cached JSON: FAB's own PUT too
        refusal = self.stale(pk, expected)
        if refusal is not None:
            return refusal
        if self.change is None:
            refusal = self.unknown_references(self.edit_columns)
            if refusal is not None:
                return refusal
            return self.guarded(lambda: super(ServiceApi, self).put_headless(pk))
        if body is None:
            return self.not_an_object()
        return self.write(200, lambda: self.change(self.visible_item(pk), body, current_user()))

    def step(self, pk, fn):
        """POST /<id>/<step>: fn(item, body) on the scoped record, committed; the record after
        the step answers."""
        body = self.json_body()
        if body is None:
            return self.not_an_object()

        def action():
            item = self.visible_item(pk)
            fn(item, body)
            return item
        return self.write(200, action)

    def delete_headless(self, pk):
        if self.remove is None:
            return self.guarded(lambda: super(ServiceApi, self).delete_headless(pk))
        return self.write(200, lambda: self.remove(self.visible_item(pk), current_user()))


_STEP_DOC = """{summary}
        ---
        post:
          parameters:
          - {{in: path, name: pk, schema: {{type: integer}}}}
          requestBody:
            required: true
            content: {{application/json: {{schema: {{type: object, properties: {properties}}}}}}}
          responses:
            200: {{description: '{answer}', x-record: {extra}}}
            403: {{description: '{forbidden}'}}
            409: {{description: '{conflict}'}}
            422: {{description: '{invalid}'}}
        """


def step_doc(summary: str, properties: str, forbidden: str, conflict: str,
             answer: str = "The record after the step", extra: str = "{}",
             invalid: str = "A rule refused the values") -> str:
    """The OpenAPI docstring of a POST /<id>/<step> endpoint: the body's properties and the
    answer's extra properties (YAML flow style); the answer is the record after the step
    (`x-record`, which core.openapi spells out) and core.openapi adds the common errors."""
    return _STEP_DOC.format(summary=summary, properties=properties, forbidden=forbidden,
                            conflict=conflict, answer=answer, extra=extra, invalid=invalid)


def install_json_errors(app) -> None:
    app.register_error_handler(HTTPException, _http_error)


_PAGE_ERRORS = {
    403: (_l("Not allowed"), _l("Your role may not open this page. Use the menu: it shows what "
                                "your role may open.")),
    404: (_l("Not found"), _l("There is no such page or record, or it is not visible to you.")),
}


def _http_error(exc: HTTPException):
    """Under /api/ an HTTP error is JSON like every other answer there; a page refused (403) or
    not found (404) says so in the user's language inside the app's frame; others keep
    Flask's."""
    if not request.path.startswith("/api/"):
        if exc.code in _PAGE_ERRORS and getattr(current_app, "appbuilder", None) is not None \
                and getattr(g, "user", None) is not None:  # the frame needs the user
            title, message = _PAGE_ERRORS[exc.code]
            return render_template("http_error.html", code=exc.code, title=title,
                                   message=message, appbuilder=current_app.appbuilder,
                                   base_template=current_app.appbuilder.base_template), exc.code
        return exc
    response = jsonify(message=exc.description)
    response.status_code = exc.code or 500
    for name, value in exc.get_headers():  # e.g. Allow on a 405
        if name.lower() != "content-type":
            response.headers[name] = value
    return response

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
DomainErrors.
"""
from flask import request
from flask_appbuilder import ModelRestApi

from core.errors import DomainError, NotFound
from core.extensions import db
from core.scoping import Scoped
from core.security import current_user
from core.uow import transaction


class ServiceApi(Scoped, ModelRestApi):
    allow_browser_login = True
    create = change = remove = lookup = None

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
        """action() -> a response; a DomainError becomes its status instead."""
        try:
            return action()
        except DomainError as exc:
            return self.domain_error(exc)

    def write(self, status, action, answer=None):
        """Run action() -> item, or (item, extra answer keys), and commit; answer with
        answer(item) when given, else the item (and its id), or {"message": "OK"} for None."""
        try:
            with transaction():
                outcome = action()
        except DomainError as exc:
            return self.domain_error(exc)
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

    def post_headless(self):
        if self.create is None:
            return self.guarded(super().post_headless)
        body = self.json_body()
        if body is None:
            return self.not_an_object()
        return self.write(201, lambda: self.create(body, current_user()))

    def put_headless(self, pk):
        if self.change is None:
            return self.guarded(lambda: super(ServiceApi, self).put_headless(pk))
        body = self.json_body()
        if body is None:
            return self.not_an_object()
        return self.write(200, lambda: self.change(self.visible_item(pk), body, current_user()))

    def delete_headless(self, pk):
        if self.remove is None:
            return self.guarded(lambda: super(ServiceApi, self).delete_headless(pk))
        return self.write(200, lambda: self.remove(self.visible_item(pk), current_user()))

"""A REST resource whose writes go through service functions (FAB's own add/edit never run):
`create(body, user)` and `update(item, body, user)` raise DomainErrors, mapped to their status
once, and the transaction is committed here only when the service succeeded."""
from core.errors import DomainError
from core.extensions import db
from core.security import current_user
from projects.api import DomainErrorsApi


class ServiceApi(DomainErrorsApi):
    create = None  # staticmethod(fn(body, user) -> item)
    update = None  # staticmethod(fn(item, body, user) -> item)
    find = None  # staticmethod(fn(pk, user) -> item): the scoped lookup

    def _write(self, fn, status):
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            item = fn(body)
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item))

    def post_headless(self):
        return self._write(lambda body: type(self).create(body, current_user()), 201)

    def put_headless(self, pk):
        return self._write(lambda body: type(self).update(
            type(self).find(pk, current_user()), body, current_user()), 200)

    def action(self, pk, fn, status=200):
        """A POST on one record (moderate, reply, decide): scoped lookup, the service, commit."""
        body = self.json_body()
        if body is None:
            return self.response_400(message="Request is not a JSON object")
        try:
            item = type(self).find(pk, current_user())
            fn(item, body)
            db.session.commit()
        except DomainError as exc:
            return self.domain_error(exc)
        return self.response(status, result=self.show_model_schema.dump(item))

"""Small pieces the ModelViews share: rules run before a web form's change is saved."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from core.errors import DomainError
from core.extensions import db
from core.security import current_user


class ServiceCheckedView:
    """Mixin for ModelViews: `check(item, creating)` raises a DomainError to refuse a form.

    FAB has already copied the form onto the item when pre_add/pre_update run, so a refusal
    rolls the session back: a refused form changes nothing.
    """

    def check(self, item, user, creating: bool) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def check_delete(self, item, user) -> None:
        pass

    def _guarded(self, fn, *args):
        try:
            fn(*args)
        except DomainError:
            db.session.rollback()
            raise

    def pre_add(self, item):
        self._guarded(self.check, item, current_user(), True)

    def pre_update(self, item):
        self._guarded(self.check, item, current_user(), False)

    def pre_delete(self, item):
        self._guarded(self.check_delete, item, current_user())


def interface(model):
    return SQLAInterface(model, db.session)

"""One scoped lookup per model (DESIGN §4: department scoping holds on lists, detail views,
exports, the REST API and search alike), in the spirit of Superset's `BaseDAO.base_filter`.

A package declares once, per model, which rows a user may see: `clause(user)` returns a SQL
clause on the model, or None for every row. `app.register_scopes` lists them all. Then:
- `visible(model, user)` is the SELECT of those rows, `get(model, pk, user)` one row or
  NotFound (no existence leak), `allows(model, item, user)` asks about a loaded row;
- `Visible` is the FAB filter applying the scope of whatever model it filters;
- `Scoped` (a mixin for ModelViews and ModelRestApis) puts `Visible` in base_filters and in
  the relation selects of the add, edit and search forms, so list, show, edit, delete, export,
  _info, search and API reads of a new view cannot forget the scoping.
"""
from dataclasses import dataclass

from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import registry
from core.errors import NotFound
from core.extensions import db
from core.security import current_user


@dataclass(frozen=True)
class Scope:
    clause: object  # clause(user) -> SQL clause or None (every row)
    not_found: object = _l("Not found.")
    field: str | None = None  # the input key that names such a row (NotFound names it)


def register(model, clause, not_found=None, field=None, app=None) -> None:
    scopes = registry.registry(app).providers.setdefault("scopes", {})
    scopes[model] = Scope(clause, not_found or _l("Not found."), field)


def scope_of(model) -> Scope | None:
    scopes = registry.registry().providers.get("scopes", {})
    for klass in getattr(model, "__mro__", (model,)):
        if klass in scopes:
            return scopes[klass]
    return None


def clause(model, user):
    scope = scope_of(model)
    return None if scope is None else scope.clause(user)


def visible(model, user):
    """SELECT of the rows of `model` the user may see."""
    where = clause(model, user)
    query = select(model)
    return query if where is None else query.where(where)


def not_found(model) -> NotFound:
    scope = scope_of(model)
    message = scope.not_found if scope else _l("Not found.")
    errors = {scope.field: str(message)} if scope and scope.field else None
    return NotFound(str(message), errors)


def get(model, pk, user):
    """The row with this id if the user may see it, else NotFound."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise not_found(model) from None
    where = clause(model, user)
    if where is None:
        item = db.session.get(model, pk)
    else:
        item = db.session.scalar(visible(model, user).where(model.id == pk))
    if item is None:
        raise not_found(model)
    return item


def allows(model, item, user) -> bool:
    """May the user see this (loaded) row? One indexed query when the user is scoped."""
    where = clause(model, user)
    if where is None or item is None:
        return item is not None
    return db.session.scalar(select(model.id).where(model.id == item.id, where)) is not None


class Visible(BaseFilter):
    """Rows of the filtered model that the current user may see."""

    name = "visible"
    arg_name = "visible"

    def apply(self, query, value):
        where = clause(self.model, current_user())
        return query if where is None else query.filter(where)


def _scoped_relations(view, columns) -> dict:
    """{relation column: [Visible]} for the relations of `columns` to a scoped model."""
    found = {}
    for column in columns or ():
        if not isinstance(column, str) or "." in column:
            continue
        if view.datamodel.is_relation(column):
            target = view.datamodel.get_related_model(column)
            if scope_of(target) is not None:
                found[column] = [["id", Visible, None]]
    return found


class Scoped:
    """Mixin (before ModelView / ModelRestApi): the model's scope on every read and on the
    forms' relation selects. Explicit query_rel_fields of a view (e.g. own department only)
    stay and are combined with the scope."""

    def _init_properties(self):
        if scope_of(self.datamodel.obj) is not None and not any(
                f[1] is Visible for f in self.base_filters or []):
            self.base_filters = [["id", Visible, None]] + list(self.base_filters or [])
        super()._init_properties()  # fills the column lists; the forms are built after this
        for attr, columns in (("add_form_query_rel_fields", "add_columns"),
                              ("edit_form_query_rel_fields", "edit_columns"),
                              ("search_form_query_rel_fields", "search_columns"),
                              ("add_query_rel_fields", "add_columns"),
                              ("edit_query_rel_fields", "edit_columns")):
            if not hasattr(self, attr):
                continue
            current = dict(getattr(self, attr) or {})
            for column, filters in _scoped_relations(self, getattr(self, columns, None)).items():
                mine = current.get(column, [])
                if not any(f[1] is Visible for f in mine):
                    current[column] = filters + list(mine)
            setattr(self, attr, current)

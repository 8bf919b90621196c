"""Small pieces the ModelViews share: rules run before a web form's change is saved, and the
export of the current list."""
from flask import abort
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from wtforms.widgets import html_params

from core.export import csv_response, xlsx_response

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
        from flask import request

        from core.versioning import ensure_current
        self._guarded(ensure_current, item, request.form.get("expected_version"))
        self._guarded(self.check, item, current_user(), False)

    def _init_forms(self):
        """A versioned record's edit form carries the version it was opened at (hidden)."""
        from wtforms import HiddenField

        from core.versioning import Versioned
        if issubclass(self.datamodel.obj, Versioned):
            self.edit_form_extra_fields = {**(self.edit_form_extra_fields or {}),
                                           "expected_version": HiddenField()}
            if "expected_version" not in self.edit_columns:
                self.edit_columns = list(self.edit_columns) + ["expected_version"]
        super()._init_forms()

    def prefill_form(self, form, pk):
        super().prefill_form(form, pk)
        if hasattr(form, "expected_version"):
            item = self.datamodel.get(pk)
            form.expected_version.data = item.version if item is not None else ""

    def pre_delete(self, item):
        self._guarded(self.check_delete, item, current_user())


class ExportableList:
    """Mixin for ModelViews: /export/xlsx and /export/csv give the current list with its search
    filters and the user's scoping (base filters), every row, one SQL query."""

    export_name = "export"
    export_columns: list = []  # header labels
    export_widths: dict = {1: 30}

    def export_row(self, item) -> list:  # pragma: no cover - overridden
        raise NotImplementedError

    @expose("/export/<fmt>")
    @has_access
    @permission_name("export")
    def export(self, fmt):
        if fmt not in ("xlsx", "csv"):
            abort(404)
        get_filter_args(self._filters)
        order = get_order_args().get(self.__class__.__name__) or self.base_order
        joined = self._filters.get_joined_filters(self._base_filters)
        _count, items = self.datamodel.query(joined, order[0], order[1], page=None,
                                             page_size=None)
        headers = [str(label) for label in self.export_columns]
        rows = (self.export_row(item) for item in items)
        name = f"{self.export_name}.{fmt}"
        if fmt == "csv":
            return csv_response(name, headers, rows)
        return xlsx_response(name, str(self.list_title), headers, rows, self.export_widths)


class QuickSelect2Widget(Select2Widget):
    """FAB's Select2Widget for a search form's select of related records (hundreds of
    departments): its options are the related table's rows, whatever the search, so they are
    written once per portfolio version, language and scope (core.summaries; departments and
    plan tasks are audited rows, a change moves the version) and in one pass, where wtforms
    built each option through attribute escaping and each label through the ORM: most of the
    project list's time at 20,000 projects."""

    def __init__(self, extra_classes=None, style=None, cache_key=None):
        super().__init__(extra_classes, style)
        self.cache_key = cache_key

    def __call__(self, field, **kwargs):
        from core import summaries
        kwargs["class"] = "my_select2 form-control" + (
            f" {self.extra_classes}" if self.extra_classes else "")
        if self.style:
            kwargs["style"] = self.style
        kwargs["data-placeholder"] = lazy_gettext("Select Value")
        if "name_" in kwargs:
            field.name = kwargs["name_"]
        kwargs.setdefault("id", field.id)

        def options():
            return "".join(
                f'<option value="{escape(c.value)}"{" selected" if c.selected else ""}>'
                f"{escape(c.label or c.value)}</option>" for c in field._iter_choices_normalized())
        if self.cache_key is None or field.data is not None:
            text = options()
        else:
            text = summaries.cached("search_select", (self.cache_key, summaries.language(),
                                                      summaries.user_scope(current_user())),
                                    options)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{text}</select>")


class QuickSearchSelects:
    """Mixin for ModelViews: the search form's related-record selects use QuickSelect2Widget."""

    def _init_forms(self):
        super()._init_forms()
        for name in dir(self.search_form):
            unbound = getattr(self.search_form, name)
            widget = getattr(unbound, "kwargs", {}).get("widget")
            if type(widget) is Select2Widget:
                unbound.kwargs["widget"] = QuickSelect2Widget(
                    widget.extra_classes, widget.style, cache_key=(type(self).__name__, name))

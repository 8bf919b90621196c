"""Web pages of the guard: the Office's review queue, the portfolio's suspected pairs with a
side-by-side comparison, and the information resource catalogue."""
import re

from flask import abort, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.paging import page_args
from core.scoping import Scoped, Visible
from core.security import current_user
from core.viewhelpers import ServiceCheckedView
from projects import enums as s
from projects import reviews
from projects.filters import OwnDepartmentProjects
from projects.guard import services as guard
from projects.guard.disclosure import visible_stored
from projects.guard.items import check_data_item_move
from projects.guard.models import DataItem, DuplicateCheck
from projects.models import Project
from projects.services import can_see


class ReviewQueueView(BaseView):
    """What waits for a decision, oldest first; for a ProjectManager, what waits on it."""

    route_base = "/reviews"
    default_view = "queue"

    @expose("/queue")
    @has_access
    def queue(self):
        from projects import queue as review_queue
        user = current_user()
        filters = review_queue.QueueFilters.from_args(request.args)
        number, size = page_args()
        page = review_queue.waiting(user, filters, number, size)
        returns = review_queue.returned(user, filters, *page_args("rpage", 20))
        checks = _latest_checks([p.id for p in page.items])
        now = clock.now()
        page.items = [{"project": p,
                       "age": (now - p.submitted_at).days if p.submitted_at else None,
                       "stage": s.REVIEW_STAGES.get(reviews.current_stage(p)),
                       "check": checks.get(p.id),
                       "matches": visible_stored(checks[p.id].result if p.id in checks
                                                 else None, user)} for p in page.items]
        returns.items = [{"project": p, "review": next((r for r in reversed(p.reviews)
                                                        if r.decision == "return"), None)}
                         for p in returns.items]
        return self.render_template("review_queue.html", rows=page.items, page=page,
                                    returns=returns.items, returns_page=returns,
                                    filters=filters, departments=_departments(),
                                    stages=s.REVIEW_STAGES)


def _departments():
    from plan.models import Department
    return db.session.execute(select(Department.id, Department.label_column())
                              .order_by(Department.code)).all()  # in the UI's language


def _latest_checks(project_ids):
    if not project_ids:
        return {}
    checks = db.session.scalars(select(DuplicateCheck).where(
        DuplicateCheck.project_id.in_(project_ids), DuplicateCheck.trigger == "submission")
        .order_by(DuplicateCheck.id))
    return {c.project_id: c for c in checks}


class DuplicatesView(BaseView):
    """The portfolio scan: suspected pairs, each comparable side by side."""

    route_base = "/duplicates"
    default_view = "pairs"

    @expose("/")
    @has_access
    def pairs(self):
        """The newest stored scan, paged; the scan itself runs as a background job."""
        from core import jobs
        from projects.guard import stored
        user = current_user()
        started = stored.ensure_fresh_scan(user.username)  # a job: runs beside, not in, this request
        scan = stored.latest_scan()
        filters = stored.PairFilters.from_args(request.args)
        page = stored.pairs_page(scan, filters, *page_args()) if scan else None
        return self.render_template(
            "duplicate_pairs.html", scan=scan, page=page, filters=filters,
            departments=_departments(), running=stored.running_scan(),
            last_job=started or jobs.latest("duplicate_scan"))

    @expose("/scan", methods=["POST"])
    @has_access
    @permission_name("scan")
    def scan(self):
        """Start the portfolio scan as a background job and show its progress."""
        from core import jobs
        job = jobs.enqueue("duplicate_scan", {}, current_user().username)
        return redirect(url_for("JobView.show", job_id=job.id))

    @expose("/compare")
    @has_access
    def compare(self):
        a = db.session.get(Project, request.args.get("a", type=int) or 0)
        b = db.session.get(Project, request.args.get("b", type=int) or 0)
        user = current_user()
        if a is None or b is None or not can_see(user, a) or not can_see(user, b):
            abort(404)
        if guard.learned_engine():
            return self._compare_learned(a, b)
        idx = guard.index()
        weights, threshold, _limit = guard.settings()
        from projects.guard.scoring import reasons, score_pair
        score, evidence = score_pair(guard.doc_of(a), guard.doc_of(b), idx.idf,
                                     idx.concept_idf, weights)
        words_a = {w for item in evidence["capabilities"] for w in item["a"]} | set(
            evidence["terms"])
        words_b = {w for item in evidence["capabilities"] for w in item["b"]} | set(
            evidence["terms"])
        sides = [(a, _highlighter(words_a)), (b, _highlighter(words_b))]
        return self.render_template("duplicate_compare.html", sides=sides, score=score,
                                    threshold=threshold, reasons=reasons(evidence),
                                    evidence=evidence)


    def _compare_learned(self, a, b):
        from projects.guard import learned
        result = learned.compare(a, b)
        ev = result["evidence"]
        mark = _highlighter(set(ev["terms"]) | set(ev["places"]) | set(ev["counts"]))
        return self.render_template("duplicate_compare.html", sides=[(a, mark), (b, mark)],
                                    score=result["score"], threshold=result["threshold"],
                                    reasons=result["reasons"], evidence=ev)


def _highlighter(words):
    """Text with the shared words marked; everything escaped first."""
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))) \
        if words else None

    def mark(text):
        text = str(escape(text or ""))
        if pattern is None:
            return Markup(text)
        return Markup(pattern.sub(lambda m: f"<mark>{m.group()}</mark>", text))
    return mark


DATA_LABELS = {"project": _l("Project"), "name": _l("Information resource"),
               "direction": _l("Direction"), "owner_department": _l("Owner department"),
               "shared": _l("Shared"), "description": _l("Description")}


class DataItemView(Scoped, ServiceCheckedView, ModelView):
    """Information resources per project (信息资源目录); the owning department edits its own."""

    datamodel = SQLAInterface(DataItem)
    route_base = "/dataitems"
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "project": [["id", OwnDepartmentProjects, None]]}
    list_columns = ["name", "project", "direction", "owner_department", "shared"]
    add_columns = edit_columns = ["project", "name", "direction", "owner_department", "shared",
                                  "description"]
    show_columns = add_columns
    search_columns = ["name", "project", "direction", "owner_department", "shared"]
    label_columns = DATA_LABELS
    list_title = show_title = _l("Information resources")

    def check(self, item, user, creating):
        if not creating:
            check_data_item_move(item, user)
        guard.check_data_item(item, user)

    def check_delete(self, item, user):
        guard.check_data_item(item, user)


class DataCatalogueView(ModelView):
    """The catalogue of shared information resources, all departments (read only): a shared
    resource is there for every department once its project is visible to them (approved on);
    another department's draft, and what it plans to produce, stays hidden (issue 11)."""

    datamodel = SQLAInterface(DataItem)
    route_base = "/catalogue"
    base_permissions = ["can_list", "can_show"]
    base_filters = [["shared", FilterEqual, True], ["direction", FilterEqual, "produces"],
                    ["id", Visible, None]]
    search_form_query_rel_fields = {"project": [["id", Visible, None]]}
    list_columns = ["name", "owner_department", "project", "direction"]
    show_columns = ["name", "owner_department", "project", "direction", "shared", "description"]
    search_columns = ["name", "owner_department", "project"]
    label_columns = DATA_LABELS
    list_title = show_title = _l("Shared information resource catalogue")


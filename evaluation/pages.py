"""Pages of the evaluation cycle: the public project page with its rating form (no login),
the Office's moderation queue, the training import, the performance scorecard with its trend
chart and workbook, and the project page's evaluation panel (a Jinja global)."""
import os
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select

from core import clock, imports
from core.errors import DomainError, NotFound
from core.export import send_xlsx
from core.extensions import db
from core.security import AUDITOR, OFFICE, current_user, has_role, is_department_scoped
from core.uow import transaction
from evaluation import public, scorecard, training
from evaluation.enums import RATEABLE_STATUSES
from evaluation.views import TEMPLATES
from plan.models import Department


class PublicFeedbackView(BaseView):
    """公众评价 on the disclosure page: a project's public record, its ratings and the published
    comments with the department's replies, and the form (anyone, no account; the Public role
    has can_list and can_rate here, and the form's POST is rate-limited per address)."""

    route_base = "/disclosure/evaluate"
    template_folder = TEMPLATES
    default_view = "project"

    def _page(self, code, status=200, **extra):
        try:
            project = public.rateable_project(code)
        except NotFound:
            abort(404)
        count, average = public.rating_summaries([project.id]).get(project.id, (0, None))
        return self.render_template(
            "evaluation/public_project.html", project=project, count=count, average=average,
            histogram=public.rating_histogram(project),
            comments=public.published_comments(project),
            max_chars=current_app.config["PUBLIC_COMMENT_MAX_CHARS"], **extra), status

    @expose("/<code>")
    @has_access
    @permission_name("list")
    def project(self, code):
        return self._page(code)

    @expose("/<code>/rate", methods=["POST"])
    @has_access
    @permission_name("rate")
    def rate(self, code):
        form = request.form
        try:
            with transaction():
                project = public.rateable_project(code)
                public.submit_public_evaluation(
                    project, form.get("rating"), form.get("comment"), form.get("nickname"),
                    request.remote_addr, honeypot=form.get("website"))
        except NotFound:
            abort(404)
        except DomainError as exc:
            return self._page(code, exc.status, error=exc, form=form)
        flash(_("Thank you. Your rating counts now; a comment is published once the Office "
                "has read it."), "success")
        return redirect(url_for(".project", code=code))


class ModerationView(BaseView):
    """The Office's moderation queue: comments from the public waiting, oldest first, each
    published or rejected with a note; the department replies to published ones."""

    route_base = "/publicevaluations/moderation"
    template_folder = TEMPLATES
    default_view = "queue"

    @expose("/")
    @has_access
    @permission_name("queue")
    def queue(self):
        user = current_user()
        return self.render_template("evaluation/moderation_queue.html",
                                    items=public.moderation_queue(user),
                                    may_moderate=has_role(user, OFFICE))

    @expose("/<int:pk>/moderate", methods=["POST"])
    @has_access
    @permission_name("moderate")
    def moderate(self, pk):
        user = current_user()
        try:
            with transaction():
                item = public.get_visible_evaluation(pk, user)
                decision = request.form.get("decision", "")
                public.moderate(item, decision, user, request.form.get("note"))
            flash(_("Published.") if decision == "publish" else _("Rejected."), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".queue"))

    @expose("/<int:pk>/reply", methods=["POST"])
    @has_access
    @permission_name("reply")
    def reply(self, pk):
        user = current_user()
        try:
            with transaction():
                item = public.get_visible_evaluation(pk, user)
                public.reply(item, request.form.get("reply", ""), user)
            flash(_("Reply published."), "success")
        except DomainError as exc:
            flash(str(exc), "danger")
        return redirect(url_for("PublicEvaluationView.show", pk=pk))


class TrainingImportView(BaseView):
    """Upload an xlsx of training courses: every error by row and column, or all rows kept."""

    route_base = "/training/import"
    template_folder = TEMPLATES
    default_view = "upload"

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def upload(self):
        page = "evaluation/training_import.html"
        if request.method == "GET":
            return self.render_template(page)
        file = request.files.get("file")
        if not file or Path(file.filename or "").suffix.lower() != ".xlsx":
            flash(_("Choose an .xlsx file."), "danger")
            return self.render_template(page), 400
        _token, staged = imports.stage(file, ".xlsx")
        try:
            with transaction():
                created = training.import_file(staged, current_user())
        except training.ImportFailed as exc:
            return self.render_template(page, errors=exc.row_errors, message=exc.message), 422
        except DomainError as exc:
            flash(str(exc), "danger")
            return self.render_template(page), exc.status
        finally:
            os.remove(staged)
        flash(_("%(n)d training courses imported.", n=len(created)), "success")
        return redirect(url_for("TrainingRecordView.list"))

    @expose("/template.xlsx")
    @has_access
    @permission_name("import")
    def template(self):
        return send_xlsx(training.template_workbook(), "training-import-template.xlsx")


def _year() -> int:
    year = request.args.get("year", type=int)
    years = scorecard.years_with_figures()
    if year and 2000 <= year <= 2100:
        return year
    return years[-1] if years else clock.today().year


def _department_filter(user):
    if is_department_scoped(user):
        return user.department_id
    return request.args.get("department", type=int) or None


class EvaluationScorecardView(BaseView):
    """绩效评估: a card per department and year (a ProjectManager sees its own department's),
    the trend across years, and the workbook."""

    route_base = "/evaluation/scorecard"
    template_folder = TEMPLATES
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        user = current_user()
        year = _year()
        department = _department_filter(user)
        cards = scorecard.cards_for_year(year, user, department_id=department)
        departments = [] if is_department_scoped(user) else db.session.execute(
            select(Department.id, Department.label_column()).order_by(Department.code)).all()
        return self.render_template(
            "evaluation/scorecard.html", cards=cards, year=year,
            years=sorted(set(scorecard.years_with_figures()) | {year}),
            groups=scorecard.GROUPS, indicators=scorecard.INDICATORS,
            weights=scorecard.weights(), departments=departments, department=department,
            scoped=is_department_scoped(user))

    @expose("/trend.png")
    @has_access
    @permission_name("chart")
    def trend(self):
        user = current_user()
        years, series = scorecard.trend(user, _department_filter(user))
        return Response(scorecard.trend_png(years, series, _("Performance score by year")),
                        mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})

    @expose("/download")
    @has_access
    @permission_name("download")
    def download(self):
        user = current_user()
        department = _department_filter(user)
        years = scorecard.years_with_figures() or [clock.today().year]
        cards = [c for year in years for c in scorecard.cards_for_year(
            year, user, department_id=department)]
        label = _("Years %(first)s-%(last)s, as of %(day)s", first=years[0], last=years[-1],
                  day=clock.today())
        return send_xlsx(lambda file: scorecard.write_cards(file, cards, label),
                         f"performance-scorecard-{clock.today()}.xlsx")


def project_evaluation(project) -> dict:
    """What the project page shows of the evaluation cycle: post-evaluation, the leadership
    group, data it uses through sharing, and the public's ratings."""
    from projects.leadership import services as leadership
    from projects.sharing.services import shared_items_used_by
    user = current_user()
    count, average = public.rating_summaries([project.id]).get(project.id, (0, None))
    return {
        "post": project.post_evaluation,
        "needs_group": leadership.needs_group(project),
        "referral": project.leadership_referral,
        "decisions": list(project.leadership_decisions),
        "gate": leadership.leadership_gate(project),
        "shared": shared_items_used_by(project.id),
        "ratings": count, "average": average,
        "public": project.status in RATEABLE_STATUSES and not public.withheld(project),
        "may_record": has_role(user, OFFICE),
        "may_read_public": has_role(user, OFFICE, AUDITOR) or (
            is_department_scoped(user) and user.department_id == project.department_id),
    }


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(project_evaluation=project_evaluation,
                                 public_rating_summaries=public.rating_summaries)

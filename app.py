"""PlanGuard application factory."""
import os

from flask import Flask
from sqlalchemy.orm import Session

import config as config_module
from core import audit, inputlimits, jobs, paging, registry, rison, summaries, websecurity
from core.extensions import db, migrate, new_appbuilder


def create_app(overrides: dict | None = None) -> Flask:
    """Defaults for PLANGUARD_ENV, then the environment, then `overrides` (tests)."""
    env = (overrides or {}).get("PLANGUARD_ENV") or os.environ.get("PLANGUARD_ENV", "development")
    settings = config_module.CONFIGS.get(env)
    if settings is None:
        raise RuntimeError(f"PLANGUARD_ENV must be one of {sorted(config_module.CONFIGS)}")
    app = Flask(__name__, template_folder="core/templates", instance_path=str(
        config_module.INSTANCE_DIR))
    app.config.from_object(settings)
    app.config.update(config_module.environment_settings())
    app.config.update(overrides or {})
    if app.config["PLANGUARD_ENV"] == "production":
        config_module.ProductionConfig.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    audit.install(Session)
    summaries.install(Session)
    websecurity.install(app)
    inputlimits.install(app, Session)
    registry.install(app)
    register_scopes(app)
    with app.app_context():
        appbuilder = new_appbuilder()
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
    paging.install(app)
    rison.install()  # FAB's query argument checked by a validator built once
    jobs.configure(app)
    register_rules(app)
    register_cli(app)
    register_error_pages(app)
    return app


def import_models() -> None:
    """Every model class, so that mappers and Alembic see the whole schema."""
    import core.jobs  # noqa: F401
    import core.summaries  # noqa: F401
    import core.auditchain  # noqa: F401
    import core.tokens  # noqa: F401
    import plan.models  # noqa: F401
    import projects.models  # noqa: F401
    import projects.guard.models  # noqa: F401
    import projects.schedule.models  # noqa: F401
    import budgets.models  # noqa: F401
    import risk.models  # noqa: F401
    import evaluation.models  # noqa: F401
    import projects.leadership.models  # noqa: F401
    import projects.sharing.models  # noqa: F401


def register_scopes(app: Flask) -> None:
    """Which rows of each model a user may see (DESIGN §4), in one screen: every list, show,
    form select, export, search and API read goes through these (core.scoping)."""
    from flask_babel import lazy_gettext as _l

    from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine
    from budgets.scopes import of_visible_lines
    from core import scoping
    from projects.guard.models import DataItem
    from projects.models import Project, Review
    from projects.schedule.models import AuditFinding, EvidenceFile, Milestone, Rebaseline
    from projects.scopes import of_visible_projects, visibility_clause
    from risk.models import Risk
    from risk.services import risk_visibility_clause

    def scope(model, clause, not_found=None, field=None):
        scoping.register(model, clause, not_found, field, app)

    scope(Project, visibility_clause, _l("No such project."), "project")
    for model, not_found, field in (
            (Review, None, None), (Milestone, _l("No such milestone."), None),
            (AuditFinding, _l("No such audit finding."), None), (Rebaseline, None, None),
            (EvidenceFile, None, None), (DataItem, None, None),
            (FundingLine, _l("No such funding line."), "funding_line"),
            (BudgetChange, None, None)):
        scope(model, of_visible_projects(model), not_found, field)
    for model in (Disbursement, Expenditure):
        scope(model, of_visible_lines(model))
    # a ProjectManager keeps and sees its own department's risks only
    scope(Risk, risk_visibility_clause, _l("No such risk."))
    from evaluation import scopes as evaluation_scopes
    evaluation_scopes.install(scope)  # 公众评价, 绩效评估, 后评价, 培训, 领导小组, 信息共享


def register_views(appbuilder) -> None:
    """Every view and API of PlanGuard, in one screen (runs inside the app's context)."""
    from flask import current_app
    from flask_babel import lazy_gettext as _l

    from budgets.api import (BudgetChangeApi, DisbursementApi, ExpenditureApi, FundingLineApi,
                             FundingSourceApi)
    from core.jobviews import JobView
    from core.views import AuditEventApi, AuditEventView
    from plan.views import DepartmentApi, DepartmentView, PlanTaskApi, PlanTaskView, PlanTreeView
    from projects.api import ProjectApi, ReviewApi
    from projects.guard.api import DataItemApi
    from projects.guard.views import (DataCatalogueView, DataItemView, DuplicatesView,
                                      ReviewQueueView)
    from projects.schedule.api import AuditFindingApi, MilestoneApi
    from projects.schedule.pages import ScheduleView, register_template_helpers
    from projects.schedule.views import AuditFindingView, MilestoneView, RebaselineView
    from projects.views import ProjectImportView, ProjectModelView, ReviewView
    from risk.api import RiskApi
    from risk.views import RiskPagesView, RiskView
    from risk.views import register_template_helpers as register_risk_helpers

    appbuilder.add_view(PlanTreeView, "Plan", label=_l("Plan"), icon="fa-sitemap",
                        category="Plan", category_label=_l("Plan"))
    appbuilder.add_view(PlanTaskView, "PlanTasks", label=_l("Plan tasks"), icon="fa-list",
                        category="Plan")
    appbuilder.add_view(DepartmentView, "Departments", label=_l("Departments"),
                        icon="fa-building", category="Plan")
    appbuilder.add_view(ProjectModelView, "Projects", label=_l("Projects"), icon="fa-folder",
                        category="Projects", category_label=_l("Projects"))
    appbuilder.add_view(ReviewView, "Reviews", label=_l("Reviews"), icon="fa-gavel",
                        category="Projects")
    appbuilder.add_view(ProjectImportView, "ProjectImport", label=_l("Import projects"),
                        icon="fa-upload", category="Projects")
    appbuilder.add_view(ReviewQueueView, "ReviewQueue", label=_l("Review queue"),
                        icon="fa-inbox", category="Projects")
    appbuilder.add_view(DuplicatesView, "Duplicates", label=_l("Suspected duplicates"),
                        icon="fa-clone", category="Projects")
    appbuilder.add_view(DataItemView, "DataItems", label=_l("Information resources"),
                        icon="fa-database", category="Projects")
    appbuilder.add_view(DataCatalogueView, "DataCatalogue", label=_l("Shared data catalogue"),
                        icon="fa-book", category="Plan")
    appbuilder.add_view(MilestoneView, "Milestones", label=_l("Milestones"), icon="fa-flag",
                        category="Schedule", category_label=_l("Schedule and audit"))
    appbuilder.add_view(ScheduleView, "OverdueItems", label=_l("Overdue items"),
                        icon="fa-exclamation-triangle", category="Schedule")
    appbuilder.add_link("ScheduleVariance", label=_l("Schedule variance"), icon="fa-line-chart",
                        href="/schedule/variance", category="Schedule")
    appbuilder.add_link("PortfolioTimeline", label=_l("Portfolio timeline"), icon="fa-tasks",
                        href="/schedule/timeline", category="Schedule")
    appbuilder.add_view(RebaselineView, "Rebaselines", label=_l("Re-baselines"),
                        icon="fa-refresh", category="Schedule")
    appbuilder.add_view(AuditFindingView, "AuditFindings", label=_l("Audit findings"),
                        icon="fa-search", category="Schedule")
    register_template_helpers(current_app)
    appbuilder.add_view(RiskView, "Risks", label=_l("Risk register"), icon="fa-warning",
                        category="Risk", category_label=_l("Risk and rating"))
    appbuilder.add_view(RiskPagesView, "RiskReviews", label=_l("Risk reviews due"),
                        icon="fa-calendar-times-o", category="Risk")
    appbuilder.add_link("RiskHeatmap", label=_l("Risk heat map"), icon="fa-th",
                        href="/risk/heatmap", category="Risk")
    appbuilder.add_link("RiskEscalation", label=_l("Escalation list"), icon="fa-level-up",
                        href="/risk/escalation", category="Risk")
    register_risk_helpers(current_app)
    from projects import banner
    banner.install(current_app._get_current_object())
    appbuilder.add_view(AuditEventView, "AuditTrail", label=_l("Audit trail"), icon="fa-history",
                        category="Audit", category_label=_l("Audit"))
    appbuilder.add_view_no_menu(JobView)
    register_budget_views(appbuilder)
    register_report_views(appbuilder)
    register_evaluation_views(appbuilder)
    for api in (PlanTaskApi, DepartmentApi, ProjectApi, ReviewApi, DataItemApi, MilestoneApi,
                AuditFindingApi, RiskApi, AuditEventApi, FundingSourceApi, FundingLineApi,
                DisbursementApi, ExpenditureApi, BudgetChangeApi):
        appbuilder.add_api(api)
    from core import openapi
    openapi.register(appbuilder)  # the document, conformed to the answers (core.openapi)
    limit_api_login(appbuilder)


def register_budget_views(appbuilder) -> None:
    """Funding (issue 4): the execution page, lists, sources, import, the project's funding
    section and its forms."""
    from flask import current_app
    from flask_babel import lazy_gettext as _l

    from budgets.pages import BudgetExecutionView, FundingImportView
    from budgets.views import (BudgetChangeView, DisbursementView, ExpenditureView,
                               FundingLineView, FundingSourceView, ProjectFundingView,
                               install_template_helpers)

    appbuilder.add_view(BudgetExecutionView, "BudgetExecution", label=_l("Budget execution"),
                        icon="fa-bar-chart", category="Funding", category_label=_l("Funding"))
    for view, name, label, icon in (
            (FundingLineView, "FundingLines", _l("Funding lines"), "fa-list"),
            (DisbursementView, "Disbursements", _l("Disbursements"), "fa-money"),
            (ExpenditureView, "Expenditures", _l("Expenditures"), "fa-credit-card"),
            (BudgetChangeView, "BudgetChanges", _l("Change requests"), "fa-exchange"),
            (FundingSourceView, "FundingSources", _l("Funding sources"), "fa-university"),
            (FundingImportView, "FundingImport", _l("Import funding lines"), "fa-upload")):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Funding")
    appbuilder.add_view_no_menu(ProjectFundingView)
    install_template_helpers(current_app._get_current_object())


def register_report_views(appbuilder) -> None:
    """Reports (issue 7): compliance, plan coverage, scorecard, dashboard charts and the public
    disclosure page."""
    from flask_babel import lazy_gettext as _l

    from reports.views import (ComplianceView, CoverageView, DashboardView, DisclosureView,
                               ScorecardView)

    appbuilder.add_view(ComplianceView, "Compliance", label=_l("Compliance report"),
                        icon="fa-check-square-o", category="Reports",
                        category_label=_l("Reports"))
    appbuilder.add_view(CoverageView, "PlanCoverage", label=_l("Plan coverage"),
                        icon="fa-th", category="Reports")
    appbuilder.add_view(ScorecardView, "Scorecard", label=_l("Department scorecard"),
                        icon="fa-trophy", category="Reports")
    appbuilder.add_view(DisclosureView, "Disclosure", label=_l("Public disclosure"),
                        icon="fa-bullhorn", category="Reports")
    appbuilder.add_view_no_menu(DashboardView)
    from reports.dossier_views import DossierView
    appbuilder.add_view_no_menu(DossierView)


def register_evaluation_views(appbuilder) -> None:
    """The plan's evaluation cycle (issue 14): public evaluation and its moderation, the
    performance scorecard and assessments, post-evaluations, training, the leadership group
    and data sharing; their REST resources; the public form's rate limit."""
    from flask import current_app
    from flask_babel import lazy_gettext as _l

    from evaluation.api import (DepartmentAssessmentApi, PostEvaluationApi, PublicEvaluationApi,
                                TrainingRecordApi)
    from evaluation.pages import (EvaluationScorecardView, ModerationView, PublicFeedbackView,
                                  TrainingImportView)
    from evaluation.pages import register_template_helpers as evaluation_helpers
    from evaluation.views import (DepartmentAssessmentView, PostEvaluationView,
                                  PublicEvaluationView, TrainingRecordView)
    from projects.leadership.api import LeadershipDecisionApi
    from projects.leadership.views import LeadershipAgendaView, LeadershipDecisionView
    from projects.leadership.views import register_template_helpers as leadership_helpers
    from projects.sharing.api import SharingRequestApi
    from projects.sharing.views import SharingRequestView, SharingUsageView

    category = dict(category="Evaluation")
    appbuilder.add_view(EvaluationScorecardView, "PerformanceScorecard",
                        label=_l("Performance scorecard"), icon="fa-trophy",
                        category="Evaluation", category_label=_l("Evaluation and assessment"))
    for view, name, label, icon in (
            (DepartmentAssessmentView, "Assessments", _l("Performance assessments"),
             "fa-check-circle"),
            (ModerationView, "ModerationQueue", _l("Moderation queue"), "fa-comments"),
            (PublicEvaluationView, "PublicEvaluations", _l("Public evaluations"), "fa-star-half-o"),
            (PostEvaluationView, "PostEvaluations", _l("Post-evaluations"), "fa-flag-checkered"),
            (TrainingRecordView, "Training", _l("Training register"), "fa-graduation-cap"),
            (TrainingImportView, "TrainingImport", _l("Import training courses"), "fa-upload")):
        appbuilder.add_view(view, name, label=label, icon=icon, **category)
    appbuilder.add_view(LeadershipAgendaView, "LeadershipAgenda",
                        label=_l("Waiting on the leadership group"), icon="fa-users",
                        category="Projects")
    appbuilder.add_view(LeadershipDecisionView, "LeadershipDecisions",
                        label=_l("Leadership group decisions"), icon="fa-legal",
                        category="Projects")
    appbuilder.add_view(SharingRequestView, "SharingRequests", label=_l("Data sharing requests"),
                        icon="fa-share-alt", category="Plan")
    appbuilder.add_view(SharingUsageView, "SharingUsage", label=_l("Who uses shared data"),
                        icon="fa-exchange", category="Plan")
    public = appbuilder.add_view_no_menu(PublicFeedbackView)
    for api in (PublicEvaluationApi, DepartmentAssessmentApi, PostEvaluationApi,
                TrainingRecordApi, LeadershipDecisionApi, SharingRequestApi):
        appbuilder.add_api(api)
    evaluation_helpers(current_app)
    leadership_helpers(current_app)
    # 公众评价: the form's POST is limited per address (Flask-Limiter, FAB's limiter).
    from flask_limiter.util import get_remote_address
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_EVALUATION_RATE_LIMIT"],
                                key_func=get_remote_address, methods=["POST"])(public.blueprint)


def limit_api_login(appbuilder) -> None:
    """FAB rate-limits the web login only; give the JWT login the same limit."""
    sm = appbuilder.sm
    if not sm.is_auth_limited:
        return
    for view in appbuilder.baseviews:
        if type(view).__name__ == "SecurityApi":
            sm.limiter.limit(sm.auth_rate_limit, methods=["POST"])(view.blueprint)


def register_rules(app: Flask) -> None:
    """Gates and warnings on lifecycle steps, project checks, demo-data hooks and the cost
    provider that packages contribute (DESIGN §3), on this app's registry (core.registry):
    one place to see every rule a transition checks."""
    from budgets import demo as budgets_demo
    from budgets.figures import cost_variance_percent, cost_variance_percents
    from budgets.services import budget_change_errors, plan_mismatch
    from budgets.submission import funding_at_submission, submission_prompt
    from evaluation import services as evaluation
    from projects.leadership import services as leadership
    from projects import demo, desk, lifecycle
    from projects.guard import disclosure
    from projects.guard import services as guard
    from projects.guard import vectors as guard_vectors
    from projects.schedule import demo as schedule_demo
    from projects.schedule import services as schedule
    from projects.services import add_project_check
    from reports import checks, risk_check
    from risk import demo as risk_demo
    from risk import system as risk_system
    from risk.costs import register_cost_variance

    register_setup_steps(app)
    guard.install()
    guard_vectors.install()  # stores sentence vectors with projects when GUARD_ENGINE=learned
    lifecycle.add_after("submitted", disclosure.store_at_submission, app)  # scoped message
    lifecycle.add_warning("submitted", plan_mismatch, app)  # the plan should equal the budget
    lifecycle.add_gate("submitted", funding_at_submission, app)  # block or ask, per config
    registry.provide("submission_prompt", submission_prompt, app)  # ... said by the submit form
    lifecycle.add_gate("approved", plan_mismatch, app)  # ... and must at approval
    lifecycle.add_gate("approved", desk.approval_gate, app)  # judged on the check shown
    lifecycle.add_gate(lifecycle.STAGE_APPROVED, desk.approval_gate, app)
    add_project_check(budget_change_errors, app)  # after approval: only through a change request

    lifecycle.add_gate("in_construction", schedule.gate_construction, app)
    lifecycle.add_gate("accepted", schedule.gate_acceptance, app)
    lifecycle.add_gate("evaluated", schedule.gate_evaluation, app)
    lifecycle.add_gate("evaluated", evaluation.gate_post_evaluation, app)  # the structured 后评价
    lifecycle.add_gate("approved", leadership.leadership_gate, app)  # 领导小组审议 of major projects
    lifecycle.add_after("approved", schedule.plan_on_approval, app)
    demo.add_demo_hook(budgets_demo.seed_funding, app)
    demo.add_demo_hook(schedule_demo.seed_schedule, app)

    # System-raised risks are re-evaluated at the commit of any change to a project, its
    # milestones or its reviews (transitions included), and nightly by `flask risk refresh`.
    # the cost rule reads budgets' figures
    register_cost_variance(cost_variance_percent, cost_variance_percents, app)
    risk_system.install()
    demo.add_demo_hook(risk_demo.seed_risks, app)
    from evaluation import demo as evaluation_demo
    demo.add_demo_hook(evaluation_demo.seed_evaluation, app)  # assessments, training, ratings

    # Background jobs (core.jobs): importing a module registers its jobs.
    import projects.guard.stored  # noqa: F401  the portfolio scan
    import projects.import_jobs  # noqa: F401  imports of many rows
    import reports.jobs  # noqa: F401  the compliance workbook
    import risk.jobs  # noqa: F401  risk refresh

    # Compliance rules C01-C12 (reports/, rules as data in data/compliance_rules.json).
    checks.install(app)
    risk_check.install(app)
    from evaluation.workbook import write_post_evaluation_sheet
    registry.add("workbook_sheet", write_post_evaluation_sheet, app)  # 后评价 in the workbook


def register_setup_steps(app: Flask) -> None:
    """What `flask setup` loads after the schema and the roles: the plan, the departments and
    the funding sources from their data files (each step idempotent, printing one line)."""
    from flask import current_app

    from budgets.services import seed_funding_sources
    from plan.services import load_departments, load_plan

    def plan():
        result = load_plan(current_app.config["PLAN_FILE"])
        return f"plan tasks per section: {result['sections']} (changed rows: {result['changed']})"

    def departments():
        return f"departments added: {load_departments(current_app.config['DEPARTMENTS_FILE'])}"

    def funding_sources():
        sources = seed_funding_sources(current_app.config["FUNDING_SOURCES_FILE"])
        return f"funding sources added: {sources}"

    for step in (plan, departments, funding_sources):
        registry.add("setup", step, app)


def register_cli(app: Flask) -> None:
    from core.cli import audit_cli, backup_command, setup_command
    from core.jobcli import jobs_cli
    from plan.cli import plan_cli, users_cli
    from budgets.cli import budgets_cli
    from projects.cli import demo_cli, projects_cli
    from reports.cli import reports_cli
    from risk.cli import risk_cli
    from evaluation.cli import evaluation_cli

    app.cli.add_command(setup_command)
    app.cli.add_command(backup_command)
    for group in (users_cli, audit_cli, plan_cli, projects_cli, demo_cli, budgets_cli, risk_cli,
                  reports_cli, evaluation_cli, jobs_cli):
        app.cli.add_command(group)


def register_error_pages(app: Flask) -> None:
    from flask_babel import gettext
    from sqlalchemy.orm.exc import StaleDataError

    from core.api import install_json_errors
    from core.errors import DomainError

    install_json_errors(app)  # HTTP errors under /api/ answer JSON

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return exc.as_dict(), exc.status

    @app.errorhandler(StaleDataError)
    def stale_row(exc):
        """Two writers flushed one versioned row at once: the second changes nothing."""
        from core.extensions import db
        db.session.rollback()
        return {"message": gettext("Somebody saved this record at the same moment: reload it "
                                   "and try again.")}, 409

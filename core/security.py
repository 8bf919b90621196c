"""Users with a department, the four roles, and the permission sync run by `flask setup`."""
import re

from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

ADMIN, OFFICE, PROJECT_MANAGER, AUDITOR = "Admin", "Office", "ProjectManager", "Auditor"
ROLES = (ADMIN, OFFICE, PROJECT_MANAGER, AUDITOR)


class PlanGuardUser(User):
    """FAB's user plus the department the user works for (a ProjectManager needs one)."""

    __tablename__ = "ab_user"
    department_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("department.id", name="fk_ab_user_department"), nullable=True)
    department = relationship("Department")


class PlanGuardUserDBModelView(UserDBModelView):
    add_columns = UserDBModelView.add_columns[:-2] + ["department", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "department"]
    show_columns = ["first_name", "last_name", "username", "active", "email", "roles",
                    "department", "login_count", "last_login"]
    list_columns = ["first_name", "last_name", "username", "email", "department", "active", "roles"]
    label_columns = {"department": _l("Department")}


class PlanGuardSecurityManager(SecurityManager):
    user_model = PlanGuardUser
    userdbmodelview = PlanGuardUserDBModelView

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per menu entry and button; a page asks 15 times. Load the
        user's (permission, view) pairs once per request instead."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        cache = g.setdefault("planguard_permissions", {})
        key = getattr(user, "id", None)
        if key not in cache:
            cache[key] = self.get_user_permissions(user)
        return (permission_name, view_name) in cache[key]


# Which permissions each role gets, as (view-or-menu name pattern, permission pattern) pairs.
# Admin gets every permission (FAB's admin role). Views and APIs are named in app.register_views;
# menu entries by the names given there.
_READ = r"can_(list|show|get|info|export|tree|chart|queue|pairs|compare)|menu_access"
_PLAN = r"PlanTreeView|PlanTaskView|PlanTaskApi|DepartmentView|DepartmentApi" \
        r"|Plan|PlanTasks|Departments"
_PROJECTS = r"ProjectModelView|ProjectApi|ReviewView|ReviewApi|Projects|Reviews" \
            r"|ReviewQueueView|ReviewQueue|DataItemView|DataItemApi|DataItems" \
            r"|DataCatalogueView|DataCatalogue"
_PORTFOLIO = r"DuplicatesView|Duplicates"  # the whole portfolio: not for department-scoped users
_AUDIT = r"AuditEventView|AuditEventApi|Audit|AuditTrail"
_IMPORT = r"ProjectImportView|ProjectImport"
_API_DOCS = r"OpenApi|SwaggerView"
_SCHEDULE = r"MilestoneView|MilestoneApi|AuditFindingView|AuditFindingApi|RebaselineView" \
            r"|ScheduleView|Schedule|Milestones|OverdueItems|ScheduleVariance|PortfolioTimeline" \
            r"|Rebaselines|AuditFindings"
_FUNDING = r"BudgetExecutionView|FundingSourceView|FundingLineView|DisbursementView" \
           r"|ExpenditureView|BudgetChangeView|ProjectFundingView|FundingImportView" \
           r"|FundingSourceApi|FundingLineApi|DisbursementApi|ExpenditureApi|BudgetChangeApi" \
           r"|Funding|BudgetExecution|FundingLines|Disbursements|Expenditures|BudgetChanges" \
           r"|FundingSources|FundingImport"
_FUNDING_RECORDS = (r"FundingLineApi|DisbursementApi|ExpenditureApi|BudgetChangeApi"
                    r"|ProjectFundingView|FundingImportView",
                    r"can_(post|put|delete|record|import)")
_RISK = r"RiskView|RiskApi|RiskPagesView|Risk|Risks|RiskReviews|RiskHeatmap"
_ESCALATION = r"RiskPagesView|RiskEscalation"
_REPORTS = r"ComplianceView|CoverageView|ScorecardView|Reports|Compliance|PlanCoverage|Scorecard"
_REPORT_READ = r"can_(list|download)|menu_access"
_DASHBOARD = (r"DashboardView", r"can_chart")
# 政务公开: the disclosure page is public (the Public role, i.e. anonymous visitors) and listed
# in every role's menu.
_DISCLOSURE = (r"DisclosureView|Reports|Disclosure", r"can_(list|csv)|menu_access")
PUBLIC_POLICY = [(r"DisclosureView", r"can_(list|csv)")]
ROLE_POLICY = {
    OFFICE: [
        (_PLAN + "|" + _PROJECTS + "|" + _IMPORT + "|" + _API_DOCS + "|" + _PORTFOLIO, _READ),
        (r"PlanTaskView|PlanTaskApi", r"can_(add|edit|post|put)"),
        (r"ProjectModelView|ProjectApi|ProjectImportView",
         r"can_(add|edit|delete|post|put|transition|import|duplicate_check|decide)"),
        (r"DataItemView|DataItemApi", r"can_(add|edit|delete|post|put)"),
        (_SCHEDULE, _READ),
        (r"RebaselineView", r"can_decide"),
        (_FUNDING, _READ),
        _FUNDING_RECORDS,
        (r"FundingSourceView|FundingSourceApi", r"can_(add|edit|delete|post|put)"),
        (r"BudgetChangeApi|BudgetChangeView|ProjectFundingView", r"can_decide"),
        (_RISK, _READ),
        (_ESCALATION, r"can_escalation|can_rate|menu_access"),
        (_REPORTS, _REPORT_READ), _DASHBOARD, _DISCLOSURE,
    ],
    PROJECT_MANAGER: [
        (_PLAN + "|" + _PROJECTS + "|" + _IMPORT + "|" + _API_DOCS, _READ),
        (r"ProjectModelView|ProjectApi|ProjectImportView",
         r"can_(add|edit|delete|post|put|transition|import|duplicate_check)"),
        (r"DataItemView|DataItemApi", r"can_(add|edit|delete|post|put)"),
        (_SCHEDULE, _READ),
        (r"MilestoneView|MilestoneApi", r"can_(add|edit|post|put|upload)"),
        (r"RebaselineView", r"can_request"),
        (r"AuditFindingView", r"can_(rectify|upload)"),
        (r"AuditFindingApi", r"can_(put|upload)"),
        (_FUNDING, _READ),
        _FUNDING_RECORDS,
        (_RISK, _READ),
        (r"RiskView|RiskApi", r"can_(add|edit|post|put)"),
        _DASHBOARD, _DISCLOSURE,
    ],
    AUDITOR: [
        (_PLAN + "|" + _PROJECTS + "|" + _AUDIT + "|" + _API_DOCS + "|" + _PORTFOLIO, _READ),
        (r"DossierView", r"can_show"),  # 项目档案: one project's readable trail
        (_SCHEDULE, _READ),
        (r"AuditFindingView|AuditFindingApi", r"can_(add|edit|post|put|upload)"),
        (_FUNDING, _READ),
        (_RISK, _READ),
        (_ESCALATION, r"can_escalation|menu_access"),
        (_REPORTS, _REPORT_READ), _DASHBOARD, _DISCLOSURE,
    ],
}


def policy_allows(role: str, view_name: str, permission: str) -> bool:
    return any(re.fullmatch(v, view_name) and re.fullmatch(p, permission)
               for v, p in ROLE_POLICY.get(role, []))


def sync_roles_and_permissions(appbuilder) -> dict:
    """Create permissions for every registered view and give each role what ROLE_POLICY says.

    Run by `flask setup` only: syncing at start would race between gunicorn workers.
    Returns the number of permissions per role.
    """
    sm = appbuilder.sm
    sm.add_role(sm.auth_role_admin)
    sm.add_role(sm.auth_role_public)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.security_cleanup()
    all_pvs = sm.session.query(sm.permissionview_model).all()
    counts = {}
    for role_name in (OFFICE, PROJECT_MANAGER, AUDITOR):
        role = sm.add_role(role_name)
        role.permissions = [pv for pv in all_pvs if pv.permission and pv.view_menu
                            and policy_allows(role_name, pv.view_menu.name, pv.permission.name)]
        counts[role_name] = len(role.permissions)
    public = sm.find_role(sm.auth_role_public)
    public.permissions = [pv for pv in all_pvs if pv.permission and pv.view_menu and any(
        re.fullmatch(v, pv.view_menu.name) and re.fullmatch(p, pv.permission.name)
        for v, p in PUBLIC_POLICY)]
    counts[sm.auth_role_public] = len(public.permissions)
    admin = sm.find_role(sm.auth_role_admin)
    admin.permissions = all_pvs
    counts[ADMIN] = len(all_pvs)
    sm.session.commit()
    return counts


def current_user():
    if has_request_context():
        user = getattr(g, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
    return None


def role_names(user) -> set[str]:
    return {r.name for r in user.roles} if user is not None else set()


def has_role(user, *names: str) -> bool:
    return bool(role_names(user) & set(names))


def is_department_scoped(user) -> bool:
    """A user whose only view of projects is its department's (plus approved ones): a ProjectManager
    without any all-seeing role."""
    names = role_names(user)
    return PROJECT_MANAGER in names and not names & {ADMIN, OFFICE, AUDITOR}

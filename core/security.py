"""Users with a department, the four roles, and the permission sync run by `flask setup`."""
import re

from flask import g, has_request_context
from flask_appbuilder.api import safe
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (Permission, PermissionView, Role, User,
                                                   ViewMenu, assoc_permissionview_role)
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.views import expose
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import get_jwt, jwt_required
from sqlalchemy import ForeignKey, Integer, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from core.audit import Audited, audit_also

ADMIN, OFFICE, PROJECT_MANAGER, AUDITOR = "Admin", "Office", "ProjectManager", "Auditor"
ROLES = (ADMIN, OFFICE, PROJECT_MANAGER, AUDITOR)


class PlanGuardUser(Audited, User):
    """FAB's user plus the department the user works for (a ProjectManager needs one). Users,
    their roles and departments are audited; the password only as "changed"."""

    __tablename__ = "ab_user"
    audit_exclude = ("last_login", "login_count", "fail_login_count", "changed_on", "created_on",
                     "changed_by_fk", "created_by_fk", "changed_by", "created_by",
                     "session_epoch", "token_epoch")
    audit_redact = ("password",)
    department_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("department.id", name="fk_ab_user_department"), nullable=True)
    # loaded with the user: every page's banner names it (a lazy load was one statement more
    # on pages where no project of the user's department had already loaded it)
    department = relationship("Department", lazy="joined")
    # moves on at logout and password change: older session cookies are refused
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                               server_default="0")
    # moves on at a password change or deactivation: older API tokens are refused (core.tokens)
    token_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                             server_default="0")


@event.listens_for(PlanGuardUser.password, "set", active_history=True)  # old value loaded
def _password_changed(user, value, old, _initiator):
    from core.tokens import credentials_changed
    if old not in (NO_VALUE, None) and value != old:
        credentials_changed(user)


@event.listens_for(PlanGuardUser.active, "set", active_history=True)
def _deactivated(user, value, old, _initiator):
    from core.tokens import credentials_changed
    if old is True and not value:
        credentials_changed(user)


audit_also(Role)  # roles and their permissions


class PlanGuardUserDBModelView(UserDBModelView):
    add_columns = UserDBModelView.add_columns[:-2] + ["department", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "department"]
    show_columns = ["first_name", "last_name", "username", "active", "email", "roles",
                    "department", "login_count", "last_login"]
    list_columns = ["first_name", "last_name", "username", "email", "department", "active", "roles"]
    label_columns = {"department": _l("Department")}
    formatters_columns = {"active": lambda v: _l("Yes") if v else _l("No"),
                          "department": lambda d: d or "", "last_login": lambda v: v or ""}


class SecurityApi(FabSecurityApi):
    """FAB's login and refresh, plus logout (core.tokens)."""

    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    def logout(self):
        """End this API login: its access and refresh tokens are refused from now on
        ---
        post:
          description: >-
            Send the access token (or the refresh token) of the login to end.
          responses:
            200:
              description: Logged out
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt: []
        """
        from core.tokens import end_api_login
        end_api_login(get_jwt())
        return self.response(200, message="Logged out")


class PlanGuardSecurityManager(SecurityManager):
    user_model = PlanGuardUser
    userdbmodelview = PlanGuardUserDBModelView
    security_api = SecurityApi

    def create_jwt_manager(self, app):
        """FAB's JWT manager with PlanGuard's token rules: revocation and 401 answers."""
        from core.tokens import install
        jwt_manager = super().create_jwt_manager(app)
        install(jwt_manager)
        return jwt_manager

    def load_user(self, pk):
        """The session's user, if the session has not been ended (logout, password change)."""
        from core.websecurity import session_is_current
        user = super().load_user(pk)
        if user is not None and not session_is_current(user):
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        user = super().load_user(jwt_data["sub"])
        if user is not None:
            g.user = user
        return user

    def reset_password(self, userid, password):
        """A new password ends the user's other sessions; the one changing it stays."""
        from flask import session
        from core.websecurity import EPOCH_KEY
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        user.session_epoch = (user.session_epoch or 0) + 1
        current = current_user()
        if current is not None and current.id == user.id:
            session[EPOCH_KEY] = user.session_epoch
        self.session.commit()

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        """FAB asks the database once per menu entry and button; a page asks 15 times. Load the
        user's (permission, view) pairs once per request instead."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        return (permission_name, view_name) in self._per_request(
            getattr(user, "id", None), lambda: self.get_user_permissions(user))

    def is_item_public(self, permission_name, view_name) -> bool:
        """As FAB's, which loads the public role and its permission objects twice per request."""
        if not has_request_context():
            return super().is_item_public(permission_name, view_name)
        return (permission_name, view_name) in self._per_request("public", self._public_names)

    @staticmethod
    def _per_request(key, load) -> set:
        cache = g.setdefault("planguard_permissions", {})
        if key not in cache:
            cache[key] = load()
        return cache[key]

    def _public_names(self) -> set:
        role = self.get_public_role()
        return self._permission_names([role]) if role is not None else set()

    def get_user_permissions(self, user) -> set:
        """The (permission, view) names of all the user's roles as one query of names: FAB
        loads every PermissionView object of each role (about 5 ms of a 20 ms API list)."""
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles for role in roles):
            return super().get_user_permissions(user)
        return self._permission_names(roles)

    def _permission_names(self, roles) -> set:
        query = (select(Permission.name, ViewMenu.name)
                 .join(PermissionView, PermissionView.permission_id == Permission.id)
                 .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                 .join(assoc_permissionview_role,
                       assoc_permissionview_role.c.permission_view_id == PermissionView.id)
                 .where(assoc_permissionview_role.c.role_id.in_([role.id for role in roles])))
        return {tuple(row) for row in self.session.execute(query)}


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
_FUNDING_NO_IMPORT = _FUNDING.replace("|FundingImportView", "").replace("|FundingImport", "")
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
PUBLIC_POLICY = [(r"DisclosureView", r"can_(list|csv)"), (r"PublicFeedbackView", r"can_(list|rate)")]
# The evaluation cycle (issue 14): the public rates and comments (PublicFeedbackView, every role
# too); the Office moderates, assesses and records; the Auditor reads all; ProjectManagers read
# their department's records, reply to comments and request or decide on shared data.
_PUBLIC_FEEDBACK = (r"PublicFeedbackView", r"can_(list|rate)")
_EVALUATION = r"EvaluationScorecardView|DepartmentAssessmentView|DepartmentAssessmentApi" \
              r"|PublicEvaluationView|PublicEvaluationApi|ModerationView|PostEvaluationView" \
              r"|PostEvaluationApi|TrainingRecordView|TrainingRecordApi|LeadershipAgendaView" \
              r"|LeadershipDecisionView|LeadershipDecisionApi|SharingRequestView" \
              r"|SharingRequestApi|SharingUsageView|Evaluation|PerformanceScorecard|Assessments" \
              r"|ModerationQueue|PublicEvaluations|PostEvaluations|Training|LeadershipAgenda" \
              r"|LeadershipDecisions|SharingRequests|SharingUsage"
_EVALUATION_READ = r"can_(list|show|get|info|chart|download|queue|agenda|evidence|attachment)" \
                   r"|menu_access"
_JOBS = (r"JobView", r"can_status")  # the page of a background job one started
_OWN_ACCOUNT = (r"ResetMyPasswordView|(PlanGuard)?UserDBModelView|UserInfoEditView",
                r"can_this_form_(get|post)|can_userinfo|can_resetmypassword")
ROLE_POLICY = {
    OFFICE: [
        _OWN_ACCOUNT,
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
        (_REPORTS, _REPORT_READ), _DASHBOARD, _DISCLOSURE, _JOBS,
        (r"DuplicatesView", r"can_scan"), (r"RiskPagesView", r"can_refresh"),
        (_EVALUATION + r"|TrainingImportView|TrainingImport", _EVALUATION_READ + r"|can_import"),
        (r"DepartmentAssessmentView|PostEvaluationView|TrainingRecordView|LeadershipDecisionView"
         r"|SharingRequestView|DepartmentAssessmentApi|PostEvaluationApi|TrainingRecordApi"
         r"|LeadershipDecisionApi|SharingRequestApi", r"can_(add|edit|post|put|decide)"),
        (r"ModerationView|PublicEvaluationApi", r"can_(moderate|reply)"),
        (r"LeadershipAgendaView", r"can_refer"), _PUBLIC_FEEDBACK,
    ],
    PROJECT_MANAGER: [
        _OWN_ACCOUNT,
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
        _DASHBOARD, _DISCLOSURE, _JOBS,
        (_EVALUATION, _EVALUATION_READ),
        (r"ModerationView|PublicEvaluationApi", r"can_reply"),
        (r"SharingRequestView|SharingRequestApi", r"can_(add|post|decide)"), _PUBLIC_FEEDBACK,
    ],
    AUDITOR: [
        _OWN_ACCOUNT,
        (_PLAN + "|" + _PROJECTS + "|" + _AUDIT + "|" + _API_DOCS + "|" + _PORTFOLIO, _READ),
        (r"DossierView", r"can_show"),  # 项目档案: one project's readable trail
        (_SCHEDULE, _READ),
        (r"AuditFindingView|AuditFindingApi", r"can_(add|edit|post|put|upload)"),
        (_FUNDING_NO_IMPORT, _READ),  # no import menu for a role that may not import
        (_RISK, _READ),
        (_ESCALATION, r"can_escalation|menu_access"),
        (_REPORTS, _REPORT_READ), _DASHBOARD, _DISCLOSURE, _JOBS,
        (_EVALUATION, _EVALUATION_READ), _PUBLIC_FEEDBACK,
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

"""Role x route matrix, generated from app.url_map (issue 11, DESIGN §4).

Every route is requested by every identity (anonymous, the own department's ProjectManager, the
other department's ProjectManager, Office, Auditor, Admin) against a concrete draft of the own
department (市公安局) and its children. Each route must have an entry in ROUTES naming what it
addresses and who may change through it; a new route without an entry fails the matrix. Checked:
- nobody gets a 5xx anywhere;
- anonymous visitors reach only the public routes; their writes change nothing;
- the other department's ProjectManager neither sees the draft (nor its children) nor changes it;
- an Auditor changes nothing but audit findings; an Admin changes no money, milestone, risk,
  decision or project (separation of duties);
- refused writes change nothing (row counts of every table and the audit chain's head, which
  every change of an audited row moves, before and after).
"""
import re

import pytest
from sqlalchemy import select

from conftest import CsrfClient, PASSWORD
from core.extensions import db
from harden_support import changed_tables, quick_fingerprint as fingerprint

IDENTITIES = ["anonymous", "pm", "pm2", "office", "auditor", "admin"]
SECRET_CODE = "TC-2013-777"

# endpoint pattern -> (what the route addresses, domain). Addresses: "draft" (a row of the draft
# or the draft itself), "none" (a list, a form, a page). Domains decide who may write:
#   public   anyone (login, static, disclosure, language)
#   account  any logged-in user for itself (own password, user info, logout)
#   project  the department's ProjectManager and the Office (never Admin, Auditor)
#   money    funding lines, payments, change requests (ProjectManager, Office decides)
#   schedule milestones, re-baselines (ProjectManager; Office decides)
#   risk     risks and ratings (ProjectManager; Office rates)
#   finding  audit findings (Auditor; the department rectifies)
#   plan     plan tasks, departments, funding sources (Office, Admin)
#   users    users, roles, permissions (Admin)
#   read     read-only pages, reports, the audit trail, exports, charts, job status
#   evaluation  assessments, post-evaluations, training, leadership decisions (Office)
#   feedback the public's ratings: the Office moderates, the departments reply
#   sharing  data sharing requests between departments
ROUTES = [
    (r"static|appbuilder\.static|AuthDBView\.login|LocaleView\.index|UtilView\.back"
     r"|DisclosureView\..*|SecurityApi\..*|HomeView\.index|PublicFeedbackView\..*", "none",
     "public"),
    (r"AuthDBView\.logout|ResetMyPasswordView\..*|UserInfoEditView\..*"
     r"|PlanGuardUserDBModelView\.userinfo|MenuApi\..*", "none", "account"),
    (r"(PlanGuardUserDBModelView|RoleModelView|UserGroupModelView|PermissionModelView"
     r"|ViewMenuModelView|PermissionViewModelView|ResetPasswordView|UserStatsChartView)\..*",
     "none", "users"),
    (r"ProjectModelView\.(show|edit|delete|transition|decide|action)", "draft", "project"),
    (r"ProjectApi\.(get|put|delete|transition|decision)", "draft", "project"),
    (r"DossierView\..*", "draft", "read"),  # 项目档案: the project's whole history, read only
    (r"ProjectModelView\..*|ProjectApi\..*|ProjectImportView\..*", "none", "project"),
    (r"(DataItemView|DataItemApi)\.(show|edit|delete|get|put|action)", "draft", "project"),
    (r"DataItemView\..*|DataItemApi\..*|DataCatalogueView\..*", "none", "project"),
    (r"(ReviewView|ReviewApi|ReviewQueueView|DuplicatesView)\..*", "none", "read"),
    (r"ProjectFundingView\.(back|request_change|add_line|delete_line|add_payment)", "draft",
     "money"),
    (r"(FundingLineView|FundingLineApi)\.(show|edit|delete|get|put|figures|action)", "draft",
     "money"),
    (r"ProjectFundingView\..*|FundingLine.*|Disbursement.*|Expenditure.*|BudgetChange.*"
     r"|FundingImportView\..*|BudgetExecutionView\..*", "none", "money"),
    (r"FundingSource.*", "none", "plan"),
    (r"(MilestoneView|MilestoneApi|RebaselineView|ScheduleView)\..*", "none", "schedule"),
    (r"(RiskView|RiskApi)\.(rating)", "draft", "risk"),
    (r"(RiskView|RiskApi|RiskPagesView)\..*", "none", "risk"),
    (r"(AuditFindingView|AuditFindingApi)\..*", "none", "finding"),
    (r"(PlanTreeView|PlanTaskView|PlanTaskApi|DepartmentView|DepartmentApi)\..*", "none",
     "plan"),
    (r"(AuditEventView|AuditEventApi|ComplianceView|CoverageView|ScorecardView|DashboardView"
     r"|OpenApi|SwaggerView|JobView)\..*", "none", "read"),
    (r"(DepartmentAssessment|PostEvaluation|TrainingRecord|LeadershipDecision)(View|Api)\..*"
     r"|(TrainingImportView|LeadershipAgendaView|EvaluationScorecardView)\..*", "none",
     "evaluation"),
    (r"(ModerationView|PublicEvaluationView|PublicEvaluationApi)\..*", "none", "feedback"),
    (r"(SharingRequestView|SharingRequestApi|SharingUsageView)\..*", "none", "sharing"),
]
# who may change things in each domain (DESIGN §4); everyone else's writes must change nothing
WRITERS = {
    "public": set(IDENTITIES), "account": set(IDENTITIES) - {"anonymous"},
    "users": {"admin"}, "project": {"pm", "office"}, "money": {"pm", "office"},
    "schedule": {"pm", "office"}, "risk": {"pm", "office"}, "finding": {"auditor", "pm"},
    "plan": {"office", "admin"}, "read": set(),
    "evaluation": {"office"}, "feedback": {"office", "pm", "pm2"},
    "sharing": {"office", "pm", "pm2"},
}
REFUSED = (301, 302, 303, 400, 401, 403, 404, 405, 409, 422)


def entry_for(endpoint):
    for pattern, addresses, domain in ROUTES:
        if re.fullmatch(pattern, endpoint):
            return addresses, domain
    return None


@pytest.fixture
def world(app, make_project):
    """The own department's draft with a data item and a funding line, and ids to fill in."""
    from budgets.models import FundingLine, FundingSource
    from projects.guard.models import DataItem
    pid = make_project(code=SECRET_CODE, name="保密草案项目")
    with app.app_context():
        source = db.session.scalar(select(FundingSource).limit(1))
        line = FundingLine(project_id=pid, source_id=source.id, year=2013, amount=1000)
        item = DataItem(project_id=pid, name="保密数据资源", direction="produces")
        db.session.add_all([line, item])
        db.session.commit()
        ids = {"project": pid, "line": line.id, "item": item.id}
    return ids


def url_for_rule(rule, endpoint, ids):
    """A concrete URL: ids of the draft's rows where the route addresses one."""
    view = endpoint.split(".")[0]
    pk = ids["project"]
    if view.startswith(("DataItem", "DataCatalogue")):
        pk = ids["item"]
    elif view.startswith(("FundingLine",)):
        pk = ids["line"]
    values = {"pk": pk, "project_id": ids["project"], "line_id": ids["line"], "change_id": 1,
              "evidence_id": 1, "name": "x", "fmt": "xlsx", "kind": "x", "locale": "en",
              "version": "v1", "filename": "x", "group_by": "x"}
    url = rule.rule
    for converter in re.findall(r"<[^>]+>", url):
        name = converter.strip("<>").split(":")[-1]
        if name == "filename" and "static" in endpoint:
            value = "css/bootstrap.min.css" if endpoint == "appbuilder.static" else "x.css"
        else:
            value = values.get(name, "1")
        url = url.replace(converter, str(value))
    return url


def client_for(app, identity):
    client = app.test_client()
    assert isinstance(client, CsrfClient)
    if identity != "anonymous":
        response = client.post("/login/", data={"username": identity, "password": PASSWORD})
        assert response.status_code == 302
    return client


def routes(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def test_every_route_has_an_entry(app):
    missing = sorted({r.endpoint for r in routes(app) if entry_for(r.endpoint) is None})
    assert missing == [], f"add these routes to ROUTES in {__file__}: {missing}"


def _requests(rule):
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    for method in methods:
        yield method


@pytest.mark.parametrize("identity", IDENTITIES)
def test_role_route_matrix(app, world, identity):
    client = client_for(app, identity)
    problems, count, skipped = [], 0, 0
    baseline = fingerprint(app)
    for rule in routes(app):
        addresses, domain = entry_for(rule.endpoint) or ("none", "read")
        url = url_for_rule(rule, rule.endpoint, world)
        for method in _requests(rule):
            if rule.endpoint == "AuthDBView.logout" or rule.endpoint.startswith("SecurityApi"):
                continue  # would end this client's session / needs credentials: tested apart
            writing = method != "GET"
            refused_write = writing and (identity not in WRITERS[domain]
                                         or (identity == "pm2" and addresses == "draft"))
            if writing and not refused_write:
                skipped += 1  # allowed writes: the functional tests check what they do
                continue
            count += 1
            kwargs = {"json": {}} if writing and url.startswith("/api/") else {}
            if writing and not url.startswith("/api/"):
                kwargs = {"data": {}}
            try:
                response = client.open(url, method=method, **kwargs)
            except Exception as exc:  # testing propagates exceptions: a 500 in production
                problems.append(f"{identity} {method} {url} ({rule.endpoint}) raised {exc!r}")
                continue
            status = response.status_code
            label = f"{identity} {method} {url} ({rule.endpoint}) -> {status}"
            if status >= 500:
                problems.append(label + " server error")
                continue
            if identity == "anonymous" and domain != "public" and status == 200:
                problems.append(label + " anonymous reached a non-public route")
            if identity == "pm2" and addresses == "draft" and not writing and status == 200 \
                    and SECRET_CODE in response.get_data(as_text=True):
                problems.append(label + " another department's draft shown")
            if refused_write:
                after = fingerprint(app)
                changed = changed_tables(baseline, after)
                if changed:
                    problems.append(f"{label} refused write changed {changed}")
                    baseline = after
                elif status not in REFUSED and status not in (200, 201):
                    problems.append(label + " unexpected status")
    print(f"matrix {identity}: {count} requests, {skipped} allowed writes left to the "
          "functional tests")
    assert count > 200
    assert problems == [], "\n".join(problems[:40])

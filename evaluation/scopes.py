"""Which evaluation records a user may see (DESIGN §4), registered per model in
app.register_scopes (core.scoping): a ProjectManager its own department's assessments, training
and public evaluations, and what hangs on projects it may see; the Office, the Auditor and
Admin every row. Data sharing requests: the two departments involved."""
from flask_babel import lazy_gettext as _l

from evaluation import public
from evaluation.models import DepartmentAssessment, PostEvaluation, PublicEvaluation, TrainingRecord
from evaluation.services import department_clause
from projects.leadership.models import LeadershipDecision, LeadershipReferral
from projects.scopes import of_visible_projects
from projects.sharing import services as sharing
from projects.sharing.models import SharingRequest


def install(scope) -> None:
    """scope(model, clause, not_found=None, field=None) registers one model's scope."""
    scope(PublicEvaluation, public.visibility_clause, _l("No such evaluation."))
    scope(DepartmentAssessment,
          lambda user: department_clause(DepartmentAssessment.department_id, user),
          _l("No such assessment."))
    scope(TrainingRecord, lambda user: department_clause(TrainingRecord.department_id, user),
          _l("No such training record."))
    for model, message in ((PostEvaluation, _l("No such post-evaluation.")),
                           (LeadershipDecision, _l("No such decision.")),
                           (LeadershipReferral, None)):
        scope(model, of_visible_projects(model), message)
    scope(SharingRequest, sharing.visibility_clause, _l("No such sharing request."))

"""REST resources `fundingsource`, `fundingline`, `disbursement`, `expenditure` and
`budgetchange` (FAB ModelRestApi). Reads are scoped like projects; every write goes through
`budgets.services`, whose DomainErrors become 4xx answers with the reasons."""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name

from budgets import figures, services
from budgets.models import BudgetChange, Disbursement, Expenditure, FundingLine, FundingSource
from budgets.schemas import DecisionSchema, load
from core import scoping
from core.api import ServiceApi, step_doc
from core.security import current_user
from projects.models import Project


class FundingSourceApi(ServiceApi):
    resource_name = "fundingsource"
    datamodel = SQLAInterface(FundingSource)
    list_columns = show_columns = ["id", "code", "name", "name_en", "social_capital", "position"]
    add_columns = edit_columns = ["code", "name", "name_en", "social_capital", "position"]
    base_order = ("position", "asc")

    create = staticmethod(lambda body, user: services.save_source(None, body, user))
    change = staticmethod(lambda item, body, user: services.save_source(item, body, user))
    remove = staticmethod(lambda item, user: services.delete_source(item, user))


LINE_FIELDS = ["id", "project.id", "project.code", "project.name", "source.id", "source.code",
               "source.name", "year", "amount", "note"]


class FundingLineApi(ServiceApi):
    resource_name = "fundingline"
    datamodel = SQLAInterface(FundingLine)
    list_columns = show_columns = LINE_FIELDS
    add_columns = edit_columns = ["project", "source", "year", "amount", "note"]
    search_columns = ["project", "source", "year", "amount"]
    order_columns = ["year", "amount"]
    base_order = ("id", "asc")
    openapi_spec_methods = {"post": {"post": {"description": (
        'Add a line to a funding plan: {"project": id, "source": id or code, "year": 2013, '
        '"amount": "250000.00", "note": text}. Only before approval; afterwards use a '
        "budgetchange request.")}}}

    create = staticmethod(services.add_funding_line)
    change = staticmethod(services.update_funding_line)
    remove = staticmethod(services.delete_funding_line)

    @expose("/figures/<int:project_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def figures(self, project_id):
        """A project's planned, disbursed and spent money, execution rate and cost variance
        ---
        get:
          parameters:
          - in: path
            schema: {type: integer}
            name: project_id
          responses:
            200:
              description: The figures (amounts as decimal strings, rates as decimals)
              x-body: {result: {type: object}}
            404:
              $ref: '#/components/responses/404'
        """
        def answer():
            project = scoping.get(Project, project_id, current_user())
            result = {k: (str(v) if v is not None and not isinstance(v, (bool, int, str)) else v)
                      for k, v in figures.project_figures(project).items()}
            return self.response(200, result=result)
        return self.guarded(answer)


PAYMENT_FIELDS = ["id", "funding_line.id", "funding_line.year", "date", "amount", "voucher_no",
                  "note", "created_by", "created_at"]


class _PaymentApi(ServiceApi):
    list_columns = show_columns = PAYMENT_FIELDS
    add_columns = edit_columns = ["funding_line", "date", "amount", "voucher_no", "note"]
    search_columns = ["funding_line", "date", "amount", "voucher_no"]
    order_columns = ["date", "amount"]
    base_order = ("date", "desc")
    change = staticmethod(services.update_payment)
    remove = staticmethod(services.delete_payment)


class DisbursementApi(_PaymentApi):
    resource_name = "disbursement"
    datamodel = SQLAInterface(Disbursement)
    create = staticmethod(services.record_disbursement)
    openapi_spec_methods = {"post": {"post": {"description": (
        'Record a disbursement (拨付): {"funding_line": id, "date": "2013-05-02", '
        '"amount": "10000.00", "voucher_no": text, "note": text}.')}}}


class ExpenditureApi(_PaymentApi):
    resource_name = "expenditure"
    datamodel = SQLAInterface(Expenditure)
    create = staticmethod(services.record_expenditure)
    openapi_spec_methods = {"post": {"post": {"description": (
        'Record an expenditure (支出): {"funding_line": id, "date": "2013-06-10", '
        '"amount": "8000.00", "voucher_no": text, "note": text}.')}}}


class BudgetChangeApi(ServiceApi):
    resource_name = "budgetchange"
    datamodel = SQLAInterface(BudgetChange)
    include_route_methods = {"get", "get_list", "info", "post", "decide"}
    list_columns = show_columns = ["id", "project.id", "project.code", "reason",
                                   "old_budget_total", "new_budget_total", "line_changes",
                                   "status", "requested_by", "requested_at", "decided_by",
                                   "decided_at", "decision_note"]
    add_columns = ["project", "reason", "new_budget_total"]
    search_columns = ["project", "status", "requested_by"]
    base_order = ("requested_at", "desc")
    openapi_spec_methods = {"post": {"post": {"description": (
        'Ask to change an approved project\'s budget or funding plan: {"project": id, '
        '"reason": text, "new_budget_total": "1200000.00", "lines": [{"source": "municipal", '
        '"year": 2014, "amount": "300000.00"}]}.')}}}

    create = staticmethod(services.request_change)

    @expose("/<int:pk>/decide", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decide(self, pk):
        body = self.json_body()
        if body is None:
            return self.not_an_object()

        def action():
            args = load(DecisionSchema(), body, "Invalid decision")
            change = self.visible_item(pk)
            services.decide_change(change, args["decision"], current_user(), args["comment"])
            return change
        return self.write(200, action)

    decide.__doc__ = step_doc(
        "The Office approves (re-baseline) or rejects a change request",
        "{decision: {type: string, enum: [approve, reject]}, comment: {type: string}}",
        "Only the Office decides", "Already decided, or the budget changed meanwhile",
        answer="The decided request", invalid="The change no longer fits (e.g. a line would "
        "not cover its disbursements), or a rejection without a comment")

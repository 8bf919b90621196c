"""Funding rules (DESIGN §2-4, issue 4). Web forms, the REST API, the xlsx import and the CLI all
call these functions (this module gathers them); each refusal is a DomainError with a translated
message and changes nothing (the caller's unit of work rolls back). `user=None` means the system
itself (CLI, seeding).

The rules, each in one function:
- amounts are positive exact decimals in yuan and fen (`money.money_error`);
- a funding line's year lies within the project's period (`lines._check_line`);
- no disbursement before the project is approved (`payments.record_disbursement`);
- cumulative disbursements on a line never exceed its planned amount
  (`payments._check_disbursed`), expenditures never its disbursements (`payments._check_spent`);
- the funding plan equals the budget before approval (`lines.plan_mismatch`: warned on
  submission, enforced at approval);
- after approval the budget and the funding plan change only through a change request with a
  reason that the Office approves: a re-baseline (`changes.request_change`, `decide_change`).
- who may do what, for the forms to show (`may_plan`, `may_pay`, `may_decide_changes`).
"""
from budgets.changes import decide_change, rebaseline_count, request_change  # noqa: F401
from budgets.lines import (add_funding_line, budget_change_errors, delete_funding_line,  # noqa: F401
                           ensure_plan_editable, plan_mismatch, plan_total, update_funding_line)
from budgets.money import (MAX_AMOUNT, ZERO, allowed, cents, ensure_may_fund,  # noqa: F401
                           find_source, fmt, money_error)
from budgets.payments import (delete_payment, recompute_line_totals,  # noqa: F401
                              record_disbursement, record_expenditure, update_payment)
from budgets.sources import (check_source, delete_source, ensure_office,  # noqa: F401
                             ensure_source_deletable, save_source, seed_funding_sources)
from core.security import OFFICE, has_role
from projects.enums import APPROVED_OR_LATER


def may_plan(user, project) -> bool:
    """May the user add, change or remove the project's funding lines now?"""
    return user is not None and allowed(ensure_plan_editable, user, project)


def may_pay(user, project) -> bool:
    """May the user record disbursements and expenditures on the project's lines now?"""
    return user is not None and project.status in APPROVED_OR_LATER and \
        allowed(ensure_may_fund, user, project)


def may_decide_changes(user) -> bool:
    return user is not None and has_role(user, OFFICE)

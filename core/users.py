"""Users: adding one with its role and department (`flask users create`, `flask setup`, the
demo). Refusals are DomainErrors naming the field at fault; the CLI turns them into usage
errors."""
from flask import current_app
from flask_babel import gettext as _

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.security import PROJECT_MANAGER, ROLES


def create_user(username, password, role_name, department=None, first="", last="",
                check_password=True):
    """Add a user with one of the four roles. `department` is a Department (or None); a
    ProjectManager needs one. The password must meet the policy (core.websecurity); only the
    development demo's users skip it. Flushes; the caller's unit of work commits."""
    from core.websecurity import password_complexity_message

    problem = password_complexity_message(password) if check_password else None
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    if role_name not in ROLES or role is None:
        raise ValidationFailed(_("Unknown role."), {"role": _(
            "Choose one of: %(choices)s (run flask setup).", choices=", ".join(ROLES))})
    if role_name == PROJECT_MANAGER and department is None:
        raise ValidationFailed(_("A ProjectManager needs a department."),
                               {"department": _("This field is required.")})
    if sm.find_user(username=username) is not None:
        raise Conflict(_("User %(username)s exists.", username=username),
                       {"username": _("Already taken.")})
    user = sm.add_user(username, first or username, last or role_name,
                       f"{username}@planguard.invalid", role, password=password)
    if not user:
        raise ValidationFailed(_("The user could not be created."))
    user.department = department
    db.session.flush()
    return user

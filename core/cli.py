"""`flask setup` and `flask users create` (DESIGN §7)."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from core.audit import acting_as
from core.extensions import db
from core.security import PROJECT_MANAGER, ROLES, sync_roles_and_permissions


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or upgrade the schema, sync roles and permissions, load the plan and the
    departments, create the admin user if missing. Safe to run on every start."""
    from budgets.services import seed_funding_sources
    from plan.services import load_departments, load_plan

    upgrade()
    counts = sync_roles_and_permissions(current_app.appbuilder)
    with acting_as("system"):
        plan = load_plan(current_app.config["PLAN_FILE"])
        added = load_departments(current_app.config["DEPARTMENTS_FILE"])
        sources = seed_funding_sources(current_app.config["FUNDING_SOURCES_FILE"])
        db.session.commit()
    click.echo(f"roles: {counts}")
    click.echo(f"plan tasks per section: {plan['sections']} (changed rows: {plan['changed']})")
    click.echo(f"departments added: {added}")
    click.echo(f"funding sources added: {sources}")
    username = current_app.config["ADMIN_USER"]
    if current_app.appbuilder.sm.find_user(username=username) is None:
        create_user(username, current_app.config["ADMIN_PASSWORD"], "Admin", None)
        click.echo(f"admin user created: {username}")


def create_user(username, password, role_name, department_ref, first="", last="",
                check_password=True):
    """Add a user with one role (and a department); raises click errors on bad input. The
    password must meet the policy (core.websecurity); only the development demo's users skip it."""
    from core.websecurity import password_problems
    from projects.services import find_department

    problems = password_problems(password) if check_password else []
    if problems:
        raise click.BadParameter("password too weak: " + "; ".join(problems),
                                 param_hint="--password")

    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    if role_name not in ROLES or role is None:
        raise click.BadParameter(f"role must be one of {', '.join(ROLES)} (run flask setup)",
                                 param_hint="--role")
    department = find_department(department_ref) if department_ref else None
    if department_ref and department is None:
        raise click.BadParameter(f"unknown department {department_ref!r}",
                                 param_hint="--department")
    if role_name == PROJECT_MANAGER and department is None:
        raise click.BadParameter("a ProjectManager needs a department",
                                 param_hint="--department")
    if sm.find_user(username=username) is not None:
        raise click.BadParameter(f"user {username!r} exists", param_hint="--username")
    user = sm.add_user(username, first or username, last or role_name,
                       f"{username}@planguard.invalid", role, password=password)
    if not user:
        raise click.ClickException("the user could not be created")
    user.department = department
    db.session.commit()
    return user


@click.group("users")
def users_cli():
    """Manage users."""


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", "role_name", required=True, type=click.Choice(ROLES))
@click.option("--department", default=None, help="department code or name")
@with_appcontext
def users_create(username, password, role_name, department):
    """Create a user with a role (and a department for a ProjectManager)."""
    create_user(username, password, role_name, department)
    click.echo(f"user {username} ({role_name}) created")


@click.group("audit")
def audit_cli():
    """The audit trail."""


@audit_cli.command("verify")
@with_appcontext
def audit_verify():
    """Walk the audit trail's hash chain: exit 0 when intact, 1 naming the first broken event."""
    from core.auditchain import verify

    result = verify(db.session.connection())
    db.session.rollback()
    if result["ok"]:
        click.echo(f"audit trail intact: {result['events']} events, head {result['head']}")
        return
    broken = result["broken"]
    click.echo(f"audit trail BROKEN at event id={broken['id']} seq={broken['seq']}: "
               f"{broken['reason']} ({result['events']} events intact before it)", err=True)
    raise SystemExit(1)

"""The web side of a refusable action: a form posts, a service decides. One place for what
every such view did by hand: commit on success and say so, or roll back and show the
refusal (a NotFound is a 404, never a message that would leak existence)."""
from flask import abort, flash, redirect

from core.errors import DomainError
from core.uow import transaction


def refusable(action, done, back: str):
    """Run action() -> warnings (a list) or None, and redirect to `back`. `done` is the
    success message, or a callable giving it once the action ran."""
    try:
        with transaction():
            result = action()
    except DomainError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.readable(), "danger")
        return redirect(back)
    flash(done() if callable(done) else done, "success")
    for warning in result if isinstance(result, list) else []:
        flash(warning, "warning")
    return redirect(back)

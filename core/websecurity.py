"""What stands between the web and the services: CSRF on every state-changing request, security
headers, sessions that end at logout, the password policy and the login throttle's limits.

- Every web POST carries a CSRF token (Flask-WTF's CSRFProtect); FAB then also refuses its
  GET deletes. FAB's REST APIs are exempt as blueprints, but a write to /api/ that is not
  authenticated by a bearer token rides on the session cookie and must carry the token too
  (header X-CSRFToken), so a cross-site page cannot forge it.
- A session belongs to the user's current session epoch: logout (and a password change) moves
  the epoch on, so a copied cookie of an ended session is refused.
"""
import re

from flask import current_app, request, session
from flask_babel import gettext
from flask_login import user_logged_in, user_logged_out
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()
EPOCH_KEY = "_pg_epoch"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "TRACE"))
API_LOGIN = ("/api/v1/security/login", "/api/v1/security/refresh")

# Inline scripts and styles are FAB's own (its templates use them throughout); everything else
# comes from this origin only, and no other site may frame the app.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI (development only) loads its scripts from a CDN.
CSP_SWAGGER = CSP.replace("script-src 'self'", "script-src 'self' https:").replace(
    "style-src 'self'", "style-src 'self' https:")


def install(app) -> None:
    """Before AppBuilder: CSRFProtect must be known when FAB exempts its API blueprints."""
    csrf.init_app(app)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", password_complexity)
    app.before_request(_protect_cookie_api_writes)
    app.after_request(_security_headers)
    user_logged_in.connect(_remember_epoch, app)
    user_logged_out.connect(_end_sessions, app)
    app.register_error_handler(CSRFError, _csrf_refused)


def _csrf_refused(exc):
    """400, with a JSON body on the API, and nothing done."""
    from core.extensions import db
    db.session.rollback()
    if request.path.startswith("/api/"):
        return {"message": gettext("CSRF token missing or invalid: send X-CSRFToken or a bearer "
                                   "token"), "reason": exc.description}, 400
    return gettext("The form expired or did not come from PlanGuard (CSRF: %(reason)s). "
                   "Go back, reload the page and try again.", reason=exc.description), 400


def _protect_cookie_api_writes():
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or request.method in SAFE_METHODS:
        return None
    if not request.path.startswith("/api/") or request.path in API_LOGIN:
        return None
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return None  # a bearer token is not sent by a browser on its own
    csrf.protect()
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       CSP_SWAGGER if request.path.startswith("/swagger") else CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _remember_epoch(sender, user, **extra):
    session[EPOCH_KEY] = getattr(user, "session_epoch", 0) or 0


def _end_sessions(sender, user, **extra):
    """Logout ends every session of the user (the cookie holds no server-side id to end just
    one): the epoch moves on and older cookies are refused by `session_is_current`."""
    from core.extensions import db
    if user is None or not getattr(user, "is_authenticated", False):
        return
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.commit()
    session.pop(EPOCH_KEY, None)


def session_is_current(user) -> bool:
    return session.get(EPOCH_KEY) == (getattr(user, "session_epoch", 0) or 0)


# --- passwords and secrets ---

COMMON_PASSWORDS = {"password", "password1", "admin", "admin123", "12345678", "123456789",
                    "1234567890", "qwertyuiop", "iloveyou", "planguard", "changeme"}
MIN_PASSWORD_LENGTH = 10


def _l(msgid: str) -> str:
    """Marks a msgid for extraction; translated where shown (the production check at start runs
    before any request, so these stay plain strings)."""
    return msgid


TOO_SHORT = _l("at least 10 characters")
FEW_KINDS = _l("three of: lower case, upper case, digits, other characters")
COMMON = _l("not a well-known password")


class WeakPassword(ValueError):
    pass


def password_problems(password: str) -> list[str]:
    """The policy: at least 10 characters, three of the four kinds (lower, upper, digit, other),
    not a well-known password."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(TOO_SHORT)
    kinds = sum(any(test(c) for c in password) for test in (
        str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()))
    if kinds < 3:
        problems.append(FEW_KINDS)
    if password.lower() in COMMON_PASSWORDS:
        problems.append(COMMON)
    return problems


def password_complexity_message(password: str) -> str | None:
    problems = password_problems(password)
    if not problems:
        return None
    return gettext("Password too weak: %(problems)s",
                   problems="; ".join(gettext(p) for p in problems))


def password_complexity(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's forms (user add, reset, reset my password)."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError
    message = password_complexity_message(password)
    if message:
        raise PasswordComplexityValidationError(message)


def secret_key_problems(secret: str) -> list[str]:
    """A production secret: 32+ characters with enough distinct ones to be random-looking
    (32 identical characters, or a short word repeated, are refused)."""
    problems = []
    if len(secret or "") < 32:
        problems.append("shorter than 32 characters")
    if len(set(secret or "")) < 16:
        problems.append("fewer than 16 distinct characters (not random)")
    if re.fullmatch(r"(.{1,8})\1+.{0,7}", secret or ""):
        problems.append("a repeated pattern")
    return problems



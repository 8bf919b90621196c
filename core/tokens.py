"""API tokens (JWT) that end: at logout, when the password changes, when the user is deactivated.

A token carries two claims besides FAB's:
- `sid`, the API login it belongs to: the access and refresh tokens of one login (and the access
  tokens refreshed from it) share it. `POST /api/v1/security/logout` revokes that login: its
  sid is kept in `api_login_revoked` until its last refresh token would have expired.
- `tep`, the user's token epoch when the login happened. A password change or deactivation
  moves the user's epoch on (see `credentials_changed`), so every older token is refused.
A token without these claims is refused too. Every refusal answers 401, as does a missing,
malformed, expired or wrong-kind token (flask-jwt-extended answers 422 for some by default).

Logging out of the web pages ends the web sessions (core.websecurity), not the API logins.
"""
import datetime as dt
import uuid

from flask import g, jsonify
from flask_babel import gettext as _
from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

SID, EPOCH = "sid", "tep"


class RevokedLogin(Model):
    """An API login ended by its user: tokens with this sid are refused."""

    __tablename__ = "api_login_revoked"
    sid: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    # kept until then (the login's refresh token cannot outlive it); None: forever
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)


def install(jwt_manager) -> None:
    """The JWT rules on FAB's JWTManager (PlanGuardSecurityManager.create_jwt_manager)."""
    jwt_manager.additional_claims_loader(login_claims)
    jwt_manager.token_in_blocklist_loader(lambda _header, payload: is_revoked(payload))
    jwt_manager.revoked_token_loader(lambda _header, _payload: _refused(_(
        "The token has been revoked (logout, password change or deactivated user): "
        "log in again.")))
    jwt_manager.invalid_token_loader(lambda reason: _refused(_(
        "The token is malformed or its signature is invalid: %(reason)s", reason=reason)))
    jwt_manager.unauthorized_loader(lambda reason: _refused(_(
        "Authentication required: send a bearer token (%(reason)s)", reason=reason)))
    jwt_manager.expired_token_loader(lambda _header, _payload: _refused(_(
        "The token has expired: log in again.")))
    jwt_manager.user_lookup_error_loader(lambda _header, _payload: _refused(_(
        "The token's user does not exist or is not active.")))


def _refused(message):
    db.session.rollback()
    return jsonify(message=str(message)), 401


def _token_in_request() -> dict | None:
    return g.get("_jwt_extended_jwt")


def login_claims(identity) -> dict:
    """The claims of a new token: a fresh login (sid) at the user's current epoch; a token
    refreshed from a refresh token keeps that token's login and epoch."""
    refreshing = _token_in_request()
    if refreshing and SID in refreshing:
        return {SID: refreshing[SID], EPOCH: refreshing.get(EPOCH)}
    from core.security import PlanGuardUser
    user = db.session.get(PlanGuardUser, int(identity))
    sid = g.setdefault("planguard_login_sid", uuid.uuid4().hex)  # access and refresh alike
    return {SID: sid, EPOCH: (user.token_epoch or 0) if user is not None else 0}


def is_revoked(payload: dict) -> bool:
    """A token is refused when it names no login or epoch, when its user's credentials changed
    since (password, deactivation), or when its login was ended at logout."""
    from core.security import PlanGuardUser
    if SID not in payload or EPOCH not in payload:
        return True
    user = db.session.get(PlanGuardUser, int(payload["sub"]))
    if user is None or not user.active or (user.token_epoch or 0) != payload[EPOCH]:
        return True
    return db.session.get(RevokedLogin, payload[SID]) is not None


def end_api_login(payload: dict) -> None:
    """Logout: the login of this token (its access and refresh tokens) is refused from now on.
    Revocations past their expiry are dropped on the way."""
    from flask_jwt_extended.config import config
    issued = dt.datetime.fromtimestamp(payload["iat"], dt.timezone.utc).replace(tzinfo=None)
    lifetime = config.refresh_expires
    expires = issued + lifetime if lifetime else None
    db.session.execute(delete(RevokedLogin).where(RevokedLogin.expires_at < issued))
    if db.session.get(RevokedLogin, payload[SID]) is None:
        db.session.add(RevokedLogin(sid=payload[SID], user_id=int(payload["sub"]),
                                    revoked_at=issued, expires_at=expires))
    db.session.commit()


def credentials_changed(user) -> None:
    """A new password, or deactivation, ends every API login of the user."""
    user.token_epoch = (user.token_epoch or 0) + 1

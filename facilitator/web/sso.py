"""Single sign-on: facilitators log in with the organisation's identity provider (OpenID Connect).

Authlib does the protocol: the authorization code flow with PKCE (S256), state and nonce kept in
the session, the provider's endpoints and signing keys from its discovery document, and the ID
token's signature, issuer, audience, expiry and nonce checked before any claim is read.
services/sso_accounts.py decides which account the verified claims open. Logging out ends the
provider's session too where it offers RP-initiated logout (``end_session_endpoint``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from facilitator.web.login_session import safe_next, start_session
from facilitator.infra.extensions import db
from facilitator.infra.i18n import browser_locale
from facilitator.infra.security import CONTENT_SECURITY_POLICY
from facilitator.services import DomainError
from facilitator.services.sso_accounts import SsoPolicy, account_for_sign_in

bp = Blueprint("sso", __name__, url_prefix="/auth/sso")

CLIENT_NAME = "sso"
# An ID token longer than this is not kept for the logout's id_token_hint: with many groups in it
# (Entra ID sends up to 200) it would push the session cookie past the browsers' 4 KB.
ID_TOKEN_HINT_MAX_LENGTH = 1500


def init_app(app) -> None:
    """Register the provider with Authlib (when SSO_ISSUER is set) and the routes."""
    app.register_blueprint(bp)
    app.add_template_global(is_enabled, "sso_enabled")
    app.add_template_global(is_password_login_enabled, "password_login_enabled")
    if not app.config.get("SSO_ISSUER"):
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["SSO_CLIENT_ID"],
        client_secret=app.config["SSO_CLIENT_SECRET"],
        server_metadata_url=app.config["SSO_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["SSO_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": app.config["SSO_TIMEOUT"]},
    )
    app.after_request(allow_provider_logout_form)


def is_enabled() -> bool:
    return bool(current_app.config.get("SSO_ISSUER"))


def is_password_login_enabled() -> bool:
    """Password login can be switched off only while there is another way in."""
    return current_app.config["PASSWORD_LOGIN"] or not is_enabled()


def provider():
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT_NAME)


def policy() -> SsoPolicy:
    config = current_app.config
    return SsoPolicy(email_claim=config["SSO_EMAIL_CLAIM"],
                     email_verified_claim=config["SSO_EMAIL_VERIFIED_CLAIM"],
                     allowed_domains=tuple(config["SSO_ALLOWED_DOMAINS"]),
                     create_accounts=config["SSO_CREATE_ACCOUNTS"],
                     groups_claim=config["SSO_GROUPS_CLAIM"],
                     admin_groups=tuple(config["SSO_ADMIN_GROUPS"]))


@bp.get("/start")
def start():
    """Send the browser to the identity provider, with a fresh state, nonce and PKCE challenge."""
    if not is_enabled():
        abort(404)
    session["sso_next"] = safe_next(request.args.get("next"))
    try:
        return provider().authorize_redirect(url_for("sso.callback", _external=True))
    except (requests.RequestException, ValueError) as error:
        current_app.logger.warning("SSO: the provider's discovery document failed: %s", error)
        return refuse(_("The identity provider could not be reached. Try again in a moment, or "
                        "ask your IT department."))


@bp.get("/callback")
def callback():
    """The provider's answer: exchange the code, verify the ID token, open the account."""
    if not is_enabled():
        abort(404)
    try:
        client = provider()
        metadata = client.load_server_metadata()
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "value": metadata.get("issuer")},
            "aud": {"essential": True, "value": client.client_id},
        })
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError) as error:
        current_app.logger.warning("SSO: sign-in refused: %r", error)
        return refuse(sign_in_error_message(error))
    if "userinfo" not in token:
        return refuse(_("The identity provider sent no ID token. Ask your IT department to allow "
                        "the openid scope for this application."))
    try:
        claims = sign_in_claims(client, token)
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        current_app.logger.warning("SSO: the userinfo endpoint failed: %r", error)
        return refuse(sign_in_error_message(error))
    try:
        account = account_for_sign_in(claims, policy(), locale=browser_locale())
    except DomainError as error:
        db.session.rollback()
        return refuse(error.message)
    # The provider sends the browser back with a GET, which the request's unit of work never
    # commits (web.unit_of_work): this one writes, so it commits itself.
    db.session.commit()
    target = session.get("sso_next") or url_for("host.dashboard")
    start_session(account)
    remember_provider_session(metadata, token.get("id_token", ""))
    return redirect(target, 303)


def sign_in_claims(client, token: dict) -> dict:
    """The verified ID token's claims, completed from the userinfo endpoint when they lack the
    e-mail: in the code flow many providers put the scopes' claims only there (OpenID Connect
    Core 5.4). Userinfo counts only for the same subject (5.3.2); the ID token's claims win."""
    claims = dict(token["userinfo"])
    email_claim = current_app.config["SSO_EMAIL_CLAIM"]
    if email_claim in claims or not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    userinfo = dict(client.userinfo(token=token))
    if userinfo.get("sub") != claims.get("sub"):
        return claims
    return {**userinfo, **claims}


def sign_in_error_message(error: Exception) -> str:
    """What the person is told when the provider's answer is refused or never came."""
    if isinstance(error, MismatchingStateError):
        return _("This sign-in was started in another tab or has already been used. Please try again.")
    if isinstance(error, ExpiredTokenError):
        return _("The identity provider's answer has expired. Check that this server's clock is "
                 "right, and try again.")
    if isinstance(error, ClaimError) and error.claim in ("aud", "azp"):
        return _("The identity provider's answer was meant for another application. Ask your IT "
                 "department to check this application's client ID.")
    if isinstance(error, ClaimError) and error.claim == "nonce":
        return _("The identity provider's answer does not belong to this sign-in. Please try again.")
    if isinstance(error, requests.RequestException):
        return _("The identity provider could not be reached. Try again in a moment, or ask your "
                 "IT department.")
    if getattr(error, "error", None) == "access_denied":
        return _("The sign-in was cancelled at the identity provider.")
    return _("The identity provider's answer could not be verified, so you were not signed in.")


def refuse(message: str):
    """Back to the login page with the reason; nothing was changed."""
    flash(str(message), "error")
    return redirect(url_for("auth.login"), 303)


def remember_provider_session(metadata: dict, id_token: str) -> None:
    """Keep what logging out at the provider needs, when the provider offers it."""
    end_session = metadata.get("end_session_endpoint")
    if end_session:
        hint = id_token if len(id_token) <= ID_TOKEN_HINT_MAX_LENGTH else ""
        session["sso_logout"] = {"url": end_session, "id_token": hint}


def provider_logout_redirect():
    """Where logging out sends a browser that signed in by SSO: the provider's end-session
    endpoint, which comes back to the login page; None for a password login. Read before the
    session is cleared."""
    logout = session.get("sso_logout")
    if not logout or not is_enabled():
        return None
    params = {"post_logout_redirect_uri": url_for("auth.login", _external=True),
              "client_id": current_app.config["SSO_CLIENT_ID"]}
    if logout.get("id_token"):
        params["id_token_hint"] = logout["id_token"]
    return add_params_to_uri(logout["url"], params)


def allow_provider_logout_form(response):
    """The logout button is a form; a form's redirect to another site is blocked by the page's
    form-action policy, so pages of an SSO session also allow the provider's end-session origin."""
    if response.mimetype != "text/html" or request.blueprint == "participant":
        return response
    logout = session.get("sso_logout")
    if logout and "Content-Security-Policy" not in response.headers:
        parts = urlsplit(logout["url"])
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return response

"""Facilitator accounts: the first-run set-up, logging in and out."""
from __future__ import annotations

import math
import time

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, logout_user

from facilitator.infra.extensions import db, login_manager
from facilitator.models import AccountRole
from facilitator.web.forms import FlaskForm, LoginForm, SetupForm
from facilitator.infra.i18n import browser_locale
from facilitator.web.limits import limit_logins
from facilitator.web.login_session import safe_next, start_session
from facilitator.web.sso import is_password_login_enabled, provider_logout_redirect
from facilitator.services import DomainError
from facilitator.services.invites import INVITE_VALID_DAYS, accept_invite, get_open_invite
from facilitator.services.accounts import (
    authenticate, create_facilitator, end_all_sessions, has_any_facilitator, load_facilitator,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")


class AcceptForm(FlaskForm):
    """Just the CSRF token: accepting an invitation is a deliberate POST."""

login_manager.login_view = "auth.login"
login_manager.user_loader(load_facilitator)

# A facilitator's "last seen" time in the session is written again only this often, so that a
# busy console does not re-sign its cookie on every request.
SEEN_RESOLUTION_SECONDS = 300


@bp.before_app_request
def end_idle_session():
    """Log a facilitator out after FACILITATOR_IDLE_HOURS without a request: a laptop left
    logged in at a venue must not steer a workshop the next morning."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    idle_hours = current_app.config["FACILITATOR_IDLE_HOURS"]
    if now - session.get("seen", 0) > idle_hours * 3600:
        logout_user()
        session.clear()
        flash(_("You were logged out after %(hours)d hours without activity. Please log in again.",
                hours=idle_hours), "info")
    elif now - session["seen"] > SEEN_RESOLUTION_SECONDS:
        session["seen"] = now


@login_manager.unauthorized_handler
def unauthorized():
    flash(_("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the very first account, the installation's administrator; closed once one exists."""
    if has_any_facilitator():
        return redirect(url_for("auth.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            facilitator = create_facilitator(form.email.data, form.name.data, form.password.data,
                                             locale=browser_locale(), role=AccountRole.ADMINISTRATOR)
        except DomainError as error:
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            start_session(facilitator)
            flash(_("Welcome, %(name)s! Create your first workshop.", name=facilitator.name), "success")
            return redirect(url_for("host.new_workshop"), 303)
    return render_template("auth/setup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limit_logins
def login():
    """Log a facilitator in and send them where they were going."""
    if not has_any_facilitator() and is_password_login_enabled():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("host.dashboard"))
    form = LoginForm()
    if request.method == "POST" and not is_password_login_enabled():
        # Switched off while single sign-on is on: the form is not shown, a stale one is refused.
        flash(_("Logging in with a password is switched off here. Use your organisation's account."),
              "error")
        return render_template("auth/login.html", form=form), 403
    if form.validate_on_submit():
        facilitator = authenticate(form.email.data, form.password.data)
        if facilitator is not None:
            start_session(facilitator)
            return redirect(safe_next(request.args.get("next")), 303)
        form.password.errors.append(_("Wrong e-mail address or password."))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out here and end the session on every other browser too."""
    end_all_sessions(current_user)
    # A browser that signed in by SSO is logged out at the provider too, which sends it back.
    provider_logout = provider_logout_redirect()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(provider_logout or url_for("auth.login"), 303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    """Accept an invitation to co-facilitate: at once when logged in, else after creating an account."""
    pending = get_open_invite(token)
    if pending is None:
        flash(_("This invitation has been used, withdrawn or has expired (after %(days)d days). "
                "Ask for a new one.", days=INVITE_VALID_DAYS), "error")
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated:
        if request.method != "POST":
            # Nothing changes on GET: a link or an image elsewhere must not sign anyone up.
            return render_template("auth/invite_accept.html", invite=pending, form=AcceptForm())
        if not AcceptForm().validate_on_submit():
            abort(400)
        try:
            workshop = accept_invite(pending, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("host.dashboard"))
        flash(_("You now steer “%(title)s” together.", title=workshop.title), "success")
        return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    form = SetupForm(data={"email": pending.email or ""})
    if form.validate_on_submit():
        try:
            facilitator = create_facilitator(form.email.data, form.name.data, form.password.data,
                                             locale=browser_locale())
            workshop = accept_invite(pending, facilitator)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "email").errors.append(error.message)
        else:
            start_session(facilitator)
            return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    return render_template("auth/invite.html", form=form, invite=pending), 422 if form.errors else 200


def refused_login(reset_at: int, account_limited: bool):
    """The login form again after a rate limit refused it: the address kept, and what to do.
    ``account_limited``: the account's own limit, which a browser that has logged in to it
    before does not face (see login_devices)."""
    form = LoginForm()
    minutes = max(1, math.ceil((reset_at - time.time()) / 60))
    if account_limited:
        message = ngettext(
            "Many wrong passwords have been tried for this account. For the next %(num)d minute it "
            "can only be logged in to from a browser that has logged in to it before.",
            "Many wrong passwords have been tried for this account. For the next %(num)d minutes it "
            "can only be logged in to from a browser that has logged in to it before.", minutes)
    else:
        message = ngettext("Too many attempts. Please wait %(num)d minute and try again.",
                           "Too many attempts. Please wait %(num)d minutes and try again.", minutes)
    form.password.errors = [message]
    return current_app.make_response((render_template("auth/login.html", form=form), 429))


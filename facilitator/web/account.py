"""A facilitator's own account: name and password; and the e-mailed links that need no login
(a forgotten password, an invitation, a sign-up)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.security import check_password_hash

from facilitator.web.login_session import start_session
from facilitator.web.account_forms import ForgotForm, NameForm, PasswordChangeForm, ResetForm, WelcomeForm
from facilitator.infra.extensions import db
from facilitator.infra.i18n import browser_locale
from facilitator.infra.extensions import limiter
from facilitator.web.limits import failed, login_email
from facilitator.infra.mail import MailError, mail_configured
from facilitator.services import DomainError
from facilitator.services.account_links import find_link, redeem_reset, redeem_welcome, request_reset, request_signup
from facilitator.services.account_log import record_account_event
from facilitator.services.accounts import set_password
from facilitator.services.account_mail import send_reset_mail, send_signup_mail

bp = Blueprint("account", __name__, url_prefix="/account")

# Every POST may send an e-mail: few per address, fewer to one recipient (no mail-bombing).
mail_limits = [limiter.limit("10 per 10 minutes", methods=["POST"]),
               limiter.limit("3 per hour", methods=["POST"], key_func=lambda: "mail-to:" + login_email())]
# Guessing the current password on a session someone left open.
current_password_limit = limiter.limit("10 per 10 minutes", methods=["POST"], deduct_when=failed)


def limited(limits):
    def decorate(view):
        for limit in reversed(limits):
            view = limit(view)
        return view
    return decorate


def show_error(form, error: DomainError) -> None:
    """A domain refusal under the field it concerns (the first field if none)."""
    field = getattr(form, error.field or "", None) or next(iter(form))
    field.errors = [*field.errors, error.message]


def page(template: str, form, **context):
    return render_template(template, form=form, **context), 422 if form.errors else 200


def settings_page(name_form, password_form):
    status = 422 if name_form.errors or password_form.errors else 200
    return render_template("account/settings.html", name_form=name_form, password_form=password_form), status


@bp.route("/", methods=["GET"])
@login_required
def settings():
    """The facilitator's own name and password."""
    return render_template("account/settings.html", name_form=NameForm(data={"name": current_user.name}),
                           password_form=PasswordChangeForm())


@bp.post("/name")
@login_required
def change_name():
    """Change the name shown to co-facilitators and in the minutes."""
    form = NameForm()
    if form.validate_on_submit():
        old = current_user.name
        current_user.name = form.name.data
        record_account_event("name_changed", current_user, current_user, detail=f"{old} → {form.name.data}")
        flash(_("Your name is now %(name)s.", name=current_user.name), "success")
        return redirect(url_for("account.settings"), 303)
    return settings_page(form, PasswordChangeForm())


@bp.post("/password")
@login_required
@current_password_limit
def change_password():
    """A new password, given the current one; every other browser is logged out."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current.data):
            form.current.errors.append(_("That is not your current password."))
        else:
            try:
                set_password(current_user, form.password.data)
            except DomainError as error:
                show_error(form, error)
            else:
                record_account_event("password_changed", current_user, current_user)
                # the nonce changed: log this browser in again
                start_session(current_user._get_current_object())
                flash(_("Your password is changed. Other browsers have been logged out."), "success")
                return redirect(url_for("account.settings"), 303)
    return settings_page(NameForm(data={"name": current_user.name}), form)


@bp.route("/forgot", methods=["GET", "POST"])
@limited(mail_limits)
def forgot():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit() and mail_configured():
        issued = request_reset(form.email.data)
        db.session.commit()  # before the e-mail: a link must never arrive for a token not stored
        if issued is not None:
            try:
                send_reset_mail(*issued)
            except MailError:
                pass  # logged; telling the visitor would tell them the account exists
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new password. "
                "The link works once, within an hour.", email=form.email.data), "info")
        return redirect(url_for("auth.login"), 303)
    return page("account/forgot.html", form, mail=mail_configured())


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password with the e-mailed link."""
    link = find_link(token, "reset")
    if link is None:
        return expired_link()
    form = ResetForm()
    if form.validate_on_submit():
        try:
            redeem_reset(link, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Your new password is set. Please log in with it."), "success")
            return redirect(url_for("auth.login"), 303)
    return page("account/reset.html", form, email=link.email)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """Make the account an invitation or a sign-up link is for: a name and a password."""
    link = find_link(token, "invite", "signup")
    if link is None:
        return expired_link()
    form = WelcomeForm()
    if form.validate_on_submit():
        try:
            account = redeem_welcome(link, form.name.data, form.password.data, browser_locale())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            start_session(account)
            flash(_("Welcome, %(name)s! Create your first workshop.", name=account.name), "success")
            return redirect(url_for("host.dashboard"), 303)
    return page("account/welcome.html", form, email=link.email)


@bp.route("/signup", methods=["GET", "POST"])
@limited(mail_limits)
def signup():
    """Self sign-up, for addresses in the configured domains only (SIGNUP_DOMAINS)."""
    domains = current_app.config.get("SIGNUP_DOMAINS") or []
    if not domains or not mail_configured():
        abort(404)
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            issued = request_signup(form.email.data, domains)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()  # before the e-mail: a link must never arrive for a token not stored
            if issued is not None:
                try:
                    send_signup_mail(form.email.data, *issued)
                except MailError:
                    pass  # logged; the answer must not tell whether the address has an account
            flash(_("We have sent a link to %(email)s. Open it within a week to finish.",
                    email=form.email.data), "info")
            return redirect(url_for("auth.login"), 303)
    return page("account/signup.html", form, domains=domains)


def expired_link():
    flash(_("This link has been used or has expired. Ask for a new one."), "error")
    return redirect(url_for("auth.login"))

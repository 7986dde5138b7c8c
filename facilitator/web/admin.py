"""The administrator's pages: the accounts (invite, deactivate, reactivate, roles, handing a
workshop over), the audit log of account changes, and the installation's health."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from facilitator.web.account_forms import HandOverForm, InviteAccountForm
from facilitator.services.account_mail import send_welcome_mail
from facilitator.infra.extensions import db
from facilitator.web.forms import FlaskForm
from facilitator.infra.mail import MailError, mail_configured
from facilitator.models import AccountRole, Facilitator, Workshop, utcnow
from facilitator.services import DomainError
from facilitator.services.account_links import invite_account, pending_invitations, withdraw_invitation
from facilitator.services.account_log import ACTION_LABELS, recent_account_events
from facilitator.services.health import installation_health
from facilitator.services.staff import deactivate, hand_over, list_accounts, owned_workshops, reactivate, set_role
from facilitator.services.join_link import public_url

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {AccountRole.ADMINISTRATOR: _l("Administrator"), AccountRole.FACILITATOR: _l("Facilitator")}


@bp.app_template_filter("account_role_label")
def account_role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_filter("account_action_label")
def account_action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def admin_required(view):
    """Logged in, and an administrator: anyone else gets 403 (the page's existence is no secret)."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_administrator:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def get_account_or_404(facilitator_id: int) -> Facilitator:
    return db.session.get(Facilitator, facilitator_id) or abort(404)


def done(message: str, category: str = "success", target: str | None = None):
    flash(message, category)
    return redirect(target or url_for("admin.accounts"), 303)


@bp.get("/")
@admin_required
def accounts():
    """Every account with its role and status, the open invitations and the audit log."""
    return accounts_page(InviteAccountForm()), 200


def accounts_page(invite_form: InviteAccountForm) -> str:
    return render_template("admin/accounts.html", accounts=list_accounts(), invitations=pending_invitations(),
                           events=recent_account_events(), invite_form=invite_form, action_form=FlaskForm(),
                           mail=mail_configured(), invitation_link=session.pop("invitation_link", None))


@bp.post("/invite")
@admin_required
def invite():
    """Invite someone by e-mail to make an account; without e-mail the link is shown to pass on."""
    form = InviteAccountForm()
    if not form.validate_on_submit():
        return accounts_page(form), 422
    try:
        token = invite_account(current_user, form.email.data, form.role.data)
    except DomainError as error:
        db.session.rollback()
        return done(error.message, "error")
    db.session.commit()  # before the e-mail: a link must never arrive for a token not stored
    return invitation_sent(form.email.data, token)


def invitation_sent(email: str, token: str):
    if mail_configured():
        try:
            send_welcome_mail(email, token, current_user)
            return done(_("We sent %(email)s an invitation. The link works for a week.", email=email))
        except MailError:
            flash(_("The e-mail could not be sent. Give them this link yourself:"), "error")
    else:
        flash(_("This server sends no e-mail. Give %(email)s this link yourself; it works once, for a week:",
                email=email), "info")
    # Shown once, on the next page only: the link is a credential.
    session["invitation_link"] = public_url("account.welcome", token=token)
    return redirect(url_for("admin.accounts"), 303)


@bp.post("/invitations/<int:invitation_id>/withdraw")
@admin_required
def withdraw(invitation_id: int):
    """Withdraw an open invitation: its link stops working."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    withdraw_invitation(current_user, invitation_id)
    return done(_("The invitation is withdrawn."))


@bp.get("/accounts/<int:facilitator_id>")
@admin_required
def account(facilitator_id: int):
    """One account: its workshops, to hand over to someone else."""
    person = get_account_or_404(facilitator_id)
    return render_template("admin/account.html", person=person, workshops=owned_workshops(person),
                           hand_over_form=hand_over_form(person), action_form=FlaskForm())


def hand_over_form(person: Facilitator) -> HandOverForm:
    form = HandOverForm()
    form.new_owner.choices = [SelectChoice(a.id, f"{a.name} ({a.email})") for a in list_accounts()
                              if a.active and a.id != person.id]
    return form


@bp.post("/accounts/<int:facilitator_id>/<any(deactivate, reactivate):change>")
@admin_required
def change_status(facilitator_id: int, change: str):
    """Deactivate (no more logins, open sessions end; workshops stay) or reactivate an account."""
    person = get_account_or_404(facilitator_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        (deactivate if change == "deactivate" else reactivate)(current_user, person)
    except DomainError as error:
        db.session.rollback()
        return done(error.message, "error")
    message = _("%(email)s is deactivated. Their workshops stay.", email=person.email) \
        if change == "deactivate" else _("%(email)s can log in again.", email=person.email)
    return done(message)


@bp.post("/accounts/<int:facilitator_id>/role/<any(administrator, facilitator):role>")
@admin_required
def change_role(facilitator_id: int, role: str):
    """Make an account an administrator, or a facilitator only."""
    person = get_account_or_404(facilitator_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        set_role(current_user, person, role)
    except DomainError as error:
        db.session.rollback()
        return done(error.message, "error")
    return done(_("%(email)s is now: %(role)s.", email=person.email, role=account_role_label(role)))


@bp.post("/workshops/<int:workshop_id>/hand-over")
@admin_required
def hand_over_workshop(workshop_id: int):
    """Give a workshop to another facilitator, who owns it from now on."""
    workshop = db.session.get(Workshop, workshop_id) or abort(404)
    person = workshop.owner or abort(404)
    form = hand_over_form(person)
    back = url_for("admin.account", facilitator_id=person.id)
    if not form.validate_on_submit():
        return done(" ".join(map(str, form.new_owner.errors or [_("Please choose the new owner.")])), "error", back)
    new_owner = db.session.get(Facilitator, form.new_owner.data)
    try:
        hand_over(current_user, workshop, new_owner)
    except DomainError as error:
        db.session.rollback()
        return done(error.message, "error", back)
    return done(_("“%(title)s” now belongs to %(name)s.", title=workshop.title, name=new_owner.name),
                target=back)


@bp.get("/health")
@admin_required
def health():
    """Version, database, Redis, migrations, the last purge and the disk the files take."""
    return render_template("admin/health.html", health=installation_health(utcnow()))

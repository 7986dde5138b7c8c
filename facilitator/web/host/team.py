"""The workshop's team (co-facilitators and invitations), its moderation log, and its action plan."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from facilitator.web.host import bp, load_workshop
from facilitator.web.host.moderation import parse_date
from facilitator.infra.extensions import db
from facilitator.models import Action, WorkshopFacilitator, WorkshopInvite
from facilitator.services import DomainError
from facilitator.services import invites, themes
from facilitator.services.moderation import list_events
from facilitator.services.workshops import is_owner


def outcome(error: DomainError | None, message: str) -> None:
    if error is not None:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(message, "success")


@bp.get("/workshops/<int:workshop_id>/team")
def team(workshop_id: int):
    """Who steers the workshop, open invitations, and the log of every moderation act."""
    workshop = load_workshop(workshop_id)
    return render_template("host/team.html", workshop=workshop, is_owner=is_owner(current_user, workshop),
                           invites=invites.pending_invites(workshop), events=list_events(workshop),
                           invite_valid_days=invites.INVITE_VALID_DAYS)


@bp.post("/workshops/<int:workshop_id>/team/invite")
def team_invite(workshop_id: int):
    """Invite a co-facilitator by e-mail address (an existing account joins at once) or by link."""
    workshop = load_workshop(workshop_id)
    email = request.form.get("email", "").strip()
    try:
        result = invites.invite_by_email(current_user, workshop, email) if email \
            else invites.create_invite(current_user, workshop)
    except DomainError as error:
        outcome(error, "")
    else:
        if isinstance(result, WorkshopFacilitator):
            outcome(None, _("%(name)s can now steer this workshop with you.", name=result.facilitator.name))
        else:
            outcome(None, _("Invitation link made: send it to your co-facilitator."))
    return redirect(url_for("host.team", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/team/<int:facilitator_id>/remove")
def team_remove(workshop_id: int, facilitator_id: int):
    """Take a co-facilitator off the workshop."""
    workshop = load_workshop(workshop_id)
    try:
        invites.remove_member(current_user, workshop, facilitator_id)
    except DomainError as error:
        outcome(error, "")
    else:
        outcome(None, _("Co-facilitator removed."))
    return redirect(url_for("host.team", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/team/invites/<int:invite_id>/withdraw")
def team_withdraw(workshop_id: int, invite_id: int):
    """Withdraw an invitation nobody has used yet."""
    workshop = load_workshop(workshop_id)
    invite = db.session.get(WorkshopInvite, invite_id)
    if invite is None or invite.workshop_id != workshop.id:
        abort(404)
    try:
        invites.check_owner(current_user, workshop)
        db.session.delete(invite)
    except DomainError as error:
        outcome(error, "")
    else:
        outcome(None, _("Invitation withdrawn."))
    return redirect(url_for("host.team", workshop_id=workshop.id), 303)


@bp.get("/workshops/<int:workshop_id>/actions")
def actions(workshop_id: int):
    """The action plan: what, who, when, and how far it has come."""
    workshop = load_workshop(workshop_id)
    return render_template("host/actions.html", workshop=workshop, statuses=themes.ACTION_STATUSES)


@bp.post("/workshops/<int:workshop_id>/actions")
def action_create(workshop_id: int):
    """Add an action that did not come from one suggestion."""
    workshop = load_workshop(workshop_id)
    try:
        themes.create_action(current_user, workshop, request.form.get("what", ""), request.form.get("owner", ""),
                             parse_date(request.form.get("due_date")))
    except DomainError as error:
        outcome(error, "")
    else:
        outcome(None, _("Action added to the plan."))
    return redirect(url_for("host.actions", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/actions/<int:action_id>/<any(save, delete):act>")
def action_change(workshop_id: int, action_id: int, act: str):
    """Update an action's text, owner, date and status, or remove it."""
    workshop = load_workshop(workshop_id)
    action = db.session.get(Action, action_id)
    if action is None or action.workshop_id != workshop.id:
        abort(404)
    try:
        if act == "delete":
            themes.delete_action(current_user, action)
        else:
            themes.update_action(current_user, action, request.form.get("what", ""),
                                 request.form.get("owner", ""), parse_date(request.form.get("due_date")),
                                 request.form.get("status", "open"))
    except DomainError as error:
        outcome(error, "")
    else:
        outcome(None, _("Action removed.") if act == "delete" else _("Action saved."))
    return redirect(url_for("host.actions", workshop_id=workshop.id), 303)

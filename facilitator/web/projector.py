"""The projector: a full-screen page for the room, in the workshop's language."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from flask_login import current_user, login_required

from facilitator.models import Workshop, WorkshopStatus
from facilitator.services.workshops import results_public
from facilitator.services.photos import newest_per_table
from facilitator.services.rounds import current_round, is_running, seconds_left
from facilitator.services.suggestions import list_visible
from facilitator.services.tables import table_label
from facilitator.services.voting import ranking, voters
from facilitator.services.wordcloud import word_cloud
from facilitator.services.workshops import can_steer, get_workshop_by_code
from facilitator.services.join_link import display_join_url, join_url, qr_svg, results_url

bp = Blueprint("projector", __name__, url_prefix="/projector")


def load_workshop(code: str) -> Workshop:
    workshop = get_workshop_by_code(code)
    if workshop is None or not can_steer(current_user, workshop):
        abort(404)
    g.locale = workshop.language
    return workshop


@bp.get("/<code>")
@login_required
def show(code: str):
    """The projector page: join code and QR, the current question, suggestions as they arrive;
    once the workshop is closed, where the results are (when they are public)."""
    workshop = load_workshop(code)
    url, results = join_url(workshop), results_url(workshop)
    return render_template("projector/show.html", workshop=workshop, join_url=url,
                           join_url_display=display_join_url(url), qr_svg=qr_svg(url),
                           results_url=results, results_url_display=display_join_url(results),
                           results_qr=qr_svg(results), stage=render_stage(workshop))


@bp.get("/<code>/stage")
@login_required
def stage(code: str):
    """The stage alone: what a projector refetches after a reconnect."""
    return render_stage(load_workshop(code))


def render_stage(workshop: Workshop) -> Markup:
    """The stage as the workshop's settings say: a list (grouped or not), a word cloud,
    the live tally or the ranking, or a note while results are hidden."""
    question = workshop.current_question
    live = workshop.status == WorkshopStatus.LIVE
    # A closed workshop's countdown has nothing left to count.
    context = {"workshop": workshop, "question": question, "view": workshop.projector_view,
               "round": current_round(workshop) if live else None}
    context["round_running"] = is_running(context["round"])
    context["seconds_left"] = seconds_left(context["round"])
    # The results' address is on the page (a push has no request to say under which host the
    # room reaches us); the stage says whether to show it.
    context["results_public"] = workshop.status == WorkshopStatus.CLOSED and results_public(workshop)
    if question is not None and live:
        suggestions = list_visible(question)
        context.update(suggestions=suggestions, count=len(suggestions),
                       groups=group_suggestions(workshop, suggestions))
        if workshop.projector_view == "cloud":
            context["cloud"] = word_cloud([s.text for s in suggestions], workshop.language)
        elif workshop.projector_view == "photos":
            context.update(photos=newest_per_table(workshop), table_label=table_label)
        elif workshop.projector_view in ("tally", "ranking"):
            ranked = ranking(question)
            context["rows"] = ranked_rows(ranked) if workshop.projector_view == "ranking" else \
                [(None, s, dots) for s, dots in sorted(ranked, key=lambda pair: pair[0].id)]
            context["top"] = max((dots for _, dots in ranked), default=0) or 1
            context["voters"] = voters(question)
    # render_template escapes every value; the result is safe HTML.
    return Markup(render_template("projector/_stage.html", **context))  # noqa: S704


def ranked_rows(ranked: list[tuple]) -> list[tuple[int, object, int]]:
    """The ranking as the wall shows it: only what got dots, numbered from the server (a page of
    the ranking must not start again at 1), equal dots sharing a place (1, 2, 2, 4)."""
    rows, place = [], 0
    for index, (suggestion, dots) in enumerate((pair for pair in ranked if pair[1] > 0), start=1):
        if not rows or dots != rows[-1][2]:
            place = index
        rows.append((place, suggestion, dots))
    return rows


def group_suggestions(workshop: Workshop, suggestions: list) -> list[tuple[str, list]]:
    """Suggestions under headings by table, round or theme; one untitled group otherwise."""
    how = workshop.projector_group
    if how == "none":
        return [("", suggestions)]
    keys = {
        "table": lambda s: (s.table.number if s.table else 10**6, table_label(s.table) or _("No table")),
        "round": lambda s: (s.round.number if s.round else 10**6,
                            _("Round %(number)d", number=s.round.number) if s.round else _("Before the rounds")),
        "theme": lambda s: (s.theme.position if s.theme else 10**6, s.theme.name if s.theme else _("Not grouped yet")),
    }
    groups: dict[tuple, list] = {}
    for suggestion in suggestions:
        groups.setdefault(keys[how](suggestion), []).append(suggestion)
    return [(title, items) for (_order, title), items in sorted(groups.items(), key=lambda kv: kv[0][0])]

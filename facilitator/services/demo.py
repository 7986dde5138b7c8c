"""The demo workshop: a regional seminar with a café dialogue on two questions, ending with a
poll on where to start, questions to the panel and the evening's evaluation.

It is the canonical scenario the product is built around, loaded with every
suggestion, so a new user sees a full workshop and its minutes at once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import select

from facilitator.services.demo_photo import tablecloth_photo
from facilitator.infra.extensions import db
from facilitator.models import AccountRole, Facilitator, Workshop
from facilitator.services.accounts import create_facilitator, has_any_facilitator, new_password, set_password
from facilitator.services.minutes import MinutesEdit, save_minutes
from facilitator.services.moderation import merge
from facilitator.services.answers import submit_answer
from facilitator.services.participants import join_workshop
from facilitator.services.photos import add_photo
from facilitator.services.qanda import set_answered, set_upvote
from facilitator.services.question_kinds import KindSettings, set_question_kind
from facilitator.services.questions import add_question
from facilitator.services.rounds import start_round
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.tables import seat, set_role, set_table_count, update_table
from facilitator.services.themes import assign_theme, create_action, create_theme
from facilitator.services.voting import close_voting, open_voting, set_dots
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

DEMO_EMAIL = "demo@facilitator.invalid"
DEMO_NAME = "Turid Hilde Gåsbakk"
PARTICIPANTS = 36

DETAILS = WorkshopDetails(
    title="Regional samling for servicetorga i Hallingdal",
    date=date(2010, 4, 13), start_time=time(16, 0), end_time=time(20, 0),
    place="Hallingdal", theme="Tilflytting", language="nb",
    program=(
        "16.00 Middag\n"
        "Kort presentasjon av tilflyttingsprosjektene i Hallingdal og hva tiltak servicetorgene "
        "har gjort vedr. tilflytting de siste årene\n"
        "Prosjektleder Ragnhild Dåsnes, Fjellregionen: prosjektet «Flytt hit»\n"
        "Pause\n"
        "Cafedialog rundt bordene\n"
        "20.00 Avslutning"),
)

OPENING = (
    "Temaet for seminaret var Tilflytting.\n\n"
    "Vi hadde invitert alle servicetorgmedarbeiderne i Hallingdal, rådmennene, leder i regionrådet "
    "og prosjektledere for tilflyttingsprosjektene \"Lys i alle glas\" og \"Placement\" og var til "
    "sammen 36 deltakere. I tillegg hadde vi invitert Ragnhild Dåsnes fra Fjellregionen. Møtet "
    "startet med middag kl. 16.00.\n\n"
    "Først hadde vi en kort presentasjon av tilflyttingsprosjektene i Hallingdal og hva tiltak "
    "servicetorgene har gjort vedr. tilflytting de siste årene. Prosjektleder Dåsnes presenterte "
    "etterpå for oss prosjektet \"Flytt hit\" i hennes region. Bakgrunn for prosjektet er "
    "folketallsnedgang og skjev alderssammensetning. Vi fikk høre om mange gode tiltak og aksjoner "
    "som de har gjennomført.\n\n"
    "Etter pausen hadde vi cafedialog rundt bordene rundt disse spørsmålene:")

CLOSING = (
    "Vi avsluttet kl. 20.00 og hadde hatt en flott og utbytterik kveld sammen med mange gode "
    "innspill som vi kan jobbe med både regionalt og i hver enkelt kommune.")

SIGNATURE = "Turid Hilde Gåsbakk\nLeder for faggruppa servicetorg i Hallingdal."

QUESTIONS = [
    ("Hva kan du gjøre for å gi overraskende god service?", [
        "De små ting",
        "Gi litt mer enn forventet",
        "Still de gode spørsmål eks. v/hjelp m Naboliste - Trenger du situasjonskart?",
        "Server en kopp kaffe",
        "Finne svar på spørsmål ved å anstrenge seg litt ekstra",
        "Smil høres i telefonen",
        "Holde det du lover",
        "Ting blir tatt tak i",
        "Avklare forventninger",
        "Kunden må bli sett og hørt",
        "Bry seg om og lytte til kunden",
        "Svar ved første henvendelse",
        "Unngå mange mellomledd",
        "Tid og kunnskap",
        "Rask tilbakemelding",
        "Løse spørsmålet der og da",
        "Gi et svar, ringe tilbake, bruke e-post",
    ]),
    ("Hva kan servicetorga gjøre for å få tilflyttere til å komme og til å bli?", [
        "Gjøre et bra førsteinntrykk",
        "Formidle stolthet over kommunen vår",
        "Bevisstgjøre for de fastboende om behovet for innflyttere",
        "Være ambassadører for regionen",
        "Presentere, fortelle om kommunen, spørre om interesser",
        "Avklare forventninger",
        "Må føle seg velkommen og sett",
        "Info om tilbud og aktiviteter",
        "Etablere \"treff-punkt\" for å etablere nettverk",
        "Jevnlige innflytter-møter",
        "Innflytterdager",
        "Infobrev/velkomstbrev",
        "Velkomstpakke",
        "Innflytterfadder",
        "Praktisk assistanse",
        "Oppfølging av infobrev",
        "Oppfølging av tilflyttere etter en tid",
        "Oppfylle det man har lovet",
        "Invitere til dugnad - oppmuntre lag og foreninger til å gjøre det",
    ]),
]


def demo_facilitator() -> tuple[Facilitator, str | None]:
    """The demo login, and its password if it was made just now: a new random one, since an
    instance started with HOST=0.0.0.0 is open to the whole network and a password printed in
    the README would be everybody's."""
    existing = db.session.scalar(select(Facilitator).where(Facilitator.email == DEMO_EMAIL))
    if existing is not None:
        return existing, None
    password = new_password()
    # `make run` loads the demo before anyone could use the set-up page, whose first account is
    # the administrator: the demo login takes that place, or nobody could invite anyone.
    role = AccountRole.FACILITATOR if has_any_facilitator() else AccountRole.ADMINISTRATOR
    return create_facilitator(DEMO_EMAIL, DEMO_NAME, password, locale="nb", role=role), password


def reset_demo_password() -> str | None:
    """Give the demo login a new random password (returned) and end its sessions; None when
    there is no demo login."""
    facilitator = db.session.scalar(select(Facilitator).where(Facilitator.email == DEMO_EMAIL))
    if facilitator is None:
        return None
    password = new_password()
    set_password(facilitator, password)
    return password


TABLES = ["Flå", "Nesbyen", "Gol", "Hemsedal", "Ål", "Hol"]
# A second table's wording of an idea the first table had: merged in the console.
DUPLICATE = ("Server kaffe når kunden venter", "Server en kopp kaffe")
VOTES = {"Holde det du lover": 14, "Kunden må bli sett og hørt": 11, "Svar ved første henvendelse": 9,
         "Rask tilbakemelding": 7, "Smil høres i telefonen": 5, "Server en kopp kaffe": 3}
THEMES = {
    "Velkomst": ["Velkomstpakke", "Infobrev/velkomstbrev", "Innflytterfadder", "Må føle seg velkommen og sett"],
    "Møteplasser og nettverk": ["Etablere \"treff-punkt\" for å etablere nettverk", "Jevnlige innflytter-møter",
                                "Innflytterdager", "Invitere til dugnad - oppmuntre lag og foreninger til å gjøre det"],
    "Oppfølging": ["Oppfølging av infobrev", "Oppfølging av tilflyttere etter en tid", "Oppfylle det man har lovet"],
}
ACTION = ("Lage en felles velkomstpakke for tilflyttere i Hallingdal", "Faggruppa servicetorg",
          date(2010, 9, 1), "Velkomstpakke")
# How the seminar ends: which measure first (options from the evening's themes, and how many of
# the 36 chose each), questions to the panel (upvotes, answered) and the evaluation (how many
# gave each value of 1-5).
CHOICE = ("Hvilket tiltak vil du at servicetorga starter med?", {
    "Felles velkomstpakke og velkomstbrev": 14, "Møteplasser og nettverk for tilflyttere": 10,
    "Oppfølging av tilflyttere etter en tid": 8, "Innflytterfadder til nye familier": 4})
PANEL = ("Spørsmål til panelet", [
    ("Kan kommunene i Hallingdal dele på én velkomstpakke?", 12, True),
    ("Hvem følger opp tilflytterne etter det første året?", 8, True),
    ("Finnes det midler til innflytterdager neste år?", 5, False)])
EVALUATION = ("Hvor nyttig var kvelden for deg?", "ikke nyttig", "svært nyttig", {5: 15, 4: 14, 3: 5, 2: 2})
PHOTO_CAPTION = "Duken på bord Flå: velkommen, kaffe og fadder"
# The evening's two rounds, in UTC (18:00 and 19:00 in Hallingdal).
ROUND_STARTS = [datetime(2010, 4, 13, 16, 0, tzinfo=timezone.utc), datetime(2010, 4, 13, 17, 0, tzinfo=timezone.utc)]


def create_demo(facilitator: Facilitator | None = None) -> Workshop:
    """The seminar, live: six tables with a host each, two rounds, every suggestion in order,
    a merged near-duplicate, a dot vote on the first question, themes on the second, and
    a follow-up action. It belongs to ``facilitator``, by default the demo login."""
    facilitator = facilitator or demo_facilitator()[0]
    workshop = create_workshop(facilitator, DETAILS, [text for text, _ in QUESTIONS])
    change_status(workshop, "live")
    set_table_count(facilitator, workshop, len(TABLES))
    for table, name in zip(workshop.tables, TABLES, strict=True):
        update_table(facilitator, table, name, None)
    participants = [join_workshop(workshop) for _ in range(PARTICIPANTS)]
    for index, person in enumerate(participants):
        seat(person, workshop.tables[index % len(TABLES)])
        if index < len(TABLES):
            set_role(person, "host")
    by_text = {}
    for number, (question, (_, suggestions)) in enumerate(zip(workshop.questions, QUESTIONS, strict=True)):
        start_round(facilitator, workshop, 45, question, now=ROUND_STARTS[number])
        for index, text in enumerate(suggestions):
            by_text[text] = submit_suggestion(participants[index % PARTICIPANTS], question, text)[0]
        if number == 0:
            duplicate = submit_suggestion(participants[1], question, DUPLICATE[0])[0]
            # Table 1's host photographs the cloth, as the minutes and the projector show it.
            add_photo(participants[0], tablecloth_photo(), PHOTO_CAPTION)
    for question in workshop.questions:
        question.is_open = question is workshop.questions[0]
    workshop.current_question_id = workshop.questions[0].id
    merge(facilitator, duplicate, by_text[DUPLICATE[1]])
    cast_votes(facilitator, workshop.questions[0], participants, by_text)
    for name, texts in THEMES.items():
        theme = create_theme(facilitator, workshop, name, workshop.questions[1])
        for text in texts:
            assign_theme(facilitator, by_text[text], theme)
    what, owner, due, source = ACTION
    create_action(facilitator, workshop, what, owner, due, suggestion=by_text[source])
    add_closing_questions(facilitator, workshop, participants)
    save_minutes(workshop, facilitator, MinutesEdit(OPENING, CLOSING, SIGNATURE, PARTICIPANTS), 0)
    db.session.flush()
    return workshop


def add_closing_questions(facilitator: Facilitator, workshop: Workshop, participants) -> None:
    """The poll, the questions to the panel and the evaluation, answered by the room and closed."""
    text, counts = CHOICE
    choice = open_kind(workshop, text, KindSettings("choice", list(counts)))
    answer_by_counts(participants, choice, {(o.id, 1): counts[o.text] for o in choice.options})
    text, items = PANEL
    panel = open_kind(workshop, text, KindSettings("qanda"))
    for index, (asked, upvotes, answered) in enumerate(items):
        suggestion = submit_suggestion(participants[index * 7], panel, asked)[0]
        for person in participants[index + 1:index + 1 + upvotes]:
            set_upvote(person, suggestion, True)
        set_answered(facilitator, suggestion, answered)
    text, low, high, counts = EVALUATION
    scale = open_kind(workshop, text, KindSettings("scale", [], scale_min=1, scale_max=5, low_label=low,
                                                   high_label=high))
    statement = scale.options[0].id
    answer_by_counts(participants, scale, {(statement, value): count for value, count in counts.items()})
    for question in (choice, panel, scale):
        question.is_open = False


def open_kind(workshop: Workshop, text: str, settings: KindSettings):
    question = set_question_kind(add_question(workshop, text), settings)
    question.is_open = True
    return question


def answer_by_counts(participants, question, counts: dict[tuple[int, int], int]) -> None:
    """Each (option, value) of ``counts`` given by that many participants in turn, as their phones would."""
    people = iter(participants)
    for (option_id, value), count in counts.items():
        for _ in range(count):
            submit_answer(next(people), question, {option_id: value})


def cast_votes(facilitator: Facilitator, question, participants, by_text) -> None:
    """Dots from the room, one at a time, as phones would send them; then the vote closes."""
    open_voting(facilitator, question)
    voters = iter(participants * 5)
    for text, dots in VOTES.items():
        for _ in range(dots):
            person = next(voters)
            set_dots(person, by_text[text], 1)
    close_voting(facilitator, question)

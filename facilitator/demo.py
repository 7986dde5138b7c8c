"""The demo workshop: a regional seminar with a café dialogue on two questions.

It is the canonical scenario the product is built around, loaded with every
suggestion, so a new user sees a full workshop and its minutes at once.
"""
from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from .extensions import db
from .models import Facilitator, Workshop
from .services.accounts import create_facilitator
from .services.minutes import MinutesEdit, save_minutes
from .services.participants import join_workshop
from .services.suggestions import submit_suggestion
from .services.workshops import WorkshopDetails, change_status, create_workshop

DEMO_EMAIL = "demo@facilitator.invalid"
DEMO_PASSWORD = "demo-facilitator"  # noqa: S105 - the public demo login, printed by `make run`
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


def demo_facilitator() -> Facilitator:
    existing = db.session.scalar(select(Facilitator).where(Facilitator.email == DEMO_EMAIL))
    return existing or create_facilitator(DEMO_EMAIL, DEMO_NAME, DEMO_PASSWORD, locale="nb")


def create_demo() -> Workshop:
    """The seminar, live, with 36 participants and every suggestion in the order given."""
    facilitator = demo_facilitator()
    workshop = create_workshop(facilitator, DETAILS, [text for text, _ in QUESTIONS])
    change_status(workshop, "live")
    participants = [join_workshop(workshop) for _ in range(PARTICIPANTS)]
    for question, (_, suggestions) in zip(workshop.questions, QUESTIONS, strict=False):
        question.is_open = True
        for index, text in enumerate(suggestions):
            submit_suggestion(participants[index % PARTICIPANTS], question, text)
        question.is_open = question is workshop.questions[0]
    save_minutes(workshop, facilitator, MinutesEdit(OPENING, CLOSING, SIGNATURE, PARTICIPANTS), 0)
    db.session.flush()
    return workshop

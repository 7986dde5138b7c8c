"""Join cards to print: a poster for the room and a card for each café table, each with its QR code.

A table's card opens the join form with that table chosen, so a phone scanned at table 3 sits at
table 3 (the participant can still change it). The page is in the workshop's language, as the
room reads it; the browser prints it, or it downloads as a PDF laid out by WeasyPrint with the
same refusing fetcher as the minutes (the page loads nothing from anywhere).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Response, render_template
from flask_babel import force_locale
from markupsafe import Markup

from facilitator.web.host import bp, load_workshop
from facilitator.exporters import file_stem
from facilitator.exporters.html import inline_stylesheet
from facilitator.exporters.pdf import layout_pdf, off_the_event_loop
from facilitator.web.export import attachment
from facilitator.models import Workshop
from facilitator.services.tables import table_label
from facilitator.services.join_link import display_join_url, join_url, qr_svg, table_join_url


@dataclass
class JoinCard:
    table: str        # "Table 3 · Nesbyen"; empty on the room's poster
    question: str     # the table's own question, when tables discuss different ones
    url: str
    qr: Markup

    @property
    def display_url(self) -> str:
        return display_join_url(self.url)


def join_cards(workshop: Workshop) -> list[JoinCard]:
    """The room's poster, then one card per table; labels in the active language."""
    room = join_url(workshop)
    cards = [JoinCard("", "", room, qr_svg(room))]
    for table in workshop.tables:
        url = table_join_url(workshop, table.number)
        cards.append(JoinCard(table_label(table), table.question.text if table.question else "", url, qr_svg(url)))
    return cards


def render_cards(workshop: Workshop, for_pdf: bool) -> str:
    """The page in the workshop's language (the room reads it): linked CSS and a toolbar on screen,
    inlined CSS and no toolbar for the PDF."""
    with force_locale(workshop.language):
        return render_template("host/cards.html", workshop=workshop, cards=join_cards(workshop),
                               stylesheet=inline_stylesheet("cards.css") if for_pdf else None)


@bp.get("/workshops/<int:workshop_id>/cards")
def join_cards_page(workshop_id: int):
    """The cards as a page to print from the browser."""
    return render_cards(load_workshop(workshop_id), for_pdf=False)


@bp.get("/workshops/<int:workshop_id>/cards.pdf")
def join_cards_pdf(workshop_id: int):
    """The same cards as a PDF, one A4 sheet each, to send to the venue's printer."""
    workshop = load_workshop(workshop_id)
    data = off_the_event_loop(layout_pdf, render_cards(workshop, for_pdf=True))
    response = Response(data, content_type="application/pdf")
    response.headers["Content-Disposition"] = attachment(f"{file_stem(workshop)}-qr.pdf")
    return response

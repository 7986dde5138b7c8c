"""Languages: a phone can switch at any time; projector and minutes keep the workshop's."""
import re

from support.forms import csrf_token_in, join
from support.factories import make_workshop


def test_phone_switches_to_finnish_and_keeps_its_suggestions(app, logged_in, facilitator, runner):
    workshop = make_workshop(app, facilitator.id, language="nb", questions=["Hva nå?"])
    phone = app.test_client()
    page = join(phone, workshop, "Aino")
    assert '<html lang="nb">' in page  # no browser preference: the workshop's language
    token = csrf_token_in(page)
    phone.post(f"/j/{workshop.join_code}/q/{workshop.question_ids[0]}",
               data={"csrf_token": token, "text": "Kahvia kaikille"})
    response = phone.post(f"/j/{workshop.join_code}/language", data={"csrf_token": token, "locale": "fi"})
    assert response.status_code == 303
    page = phone.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    assert '<html lang="fi">' in page and "Kahvia kaikille" in page
    assert "Lähetä" in page  # the send button, in Finnish
    # The projector and the minutes stay in the workshop's language.
    projector = logged_in.get(f"/projector/{workshop.join_code}").get_data(as_text=True)
    assert '<html lang="nb">' in projector
    minutes = logged_in.get(f"/export/{workshop.id}/minutes.md").get_data(as_text=True)
    assert "Forslag" in minutes and "Kahvia kaikille" in minutes


def test_first_language_comes_from_the_browser_then_the_workshop(app, facilitator):
    workshop = make_workshop(app, facilitator.id, language="sv")
    swedish = app.test_client().get(f"/j/{workshop.join_code}", headers={"Accept-Language": "xx"})
    assert '<html lang="sv">' in swedish.get_data(as_text=True)
    norwegian = app.test_client().get(f"/j/{workshop.join_code}", headers={"Accept-Language": "no,en;q=0.5"})
    assert '<html lang="nb">' in norwegian.get_data(as_text=True)


def test_unknown_language_is_refused(app, phone, live_workshop):
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    response = phone.post(f"/j/{live_workshop.join_code}/language",
                          data={"csrf_token": csrf_token_in(page), "locale": "tlh"})
    assert response.status_code == 400
    assert re.search(r'<html lang="en">', phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))

"""The phone's requests at the HTTP level: what a table card's link, a language switch and the
outbox's sends get back."""
from __future__ import annotations

import re

from support.forms import Browser, csrf_token_in
from test_cards import cafe


def test_switching_language_before_joining_keeps_the_tables_preset(app, client, facilitator):
    workshop = cafe(app, facilitator.id)
    url = f"/j/{workshop.join_code}"
    joining = client.get(f"{url}?table=2").get_data(as_text=True)
    language_form = re.search(r'<form[^>]*/language".*?</form>', joining, re.S).group(0)
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', language_form))
    assert carried.get("table") == "2"
    switched = client.post(f"{url}/language", data={**carried, "locale": "fi"})
    assert switched.status_code == 303
    assert switched.headers["Location"].endswith(f"{url}?table=2")
    page = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert 'lang="fi"' in page[:200]
    assert re.search(r'<option selected value="2">|<option value="2" selected>', page), page
    # Anything but a table number is left behind.
    odd = Browser(client).submit(url, f"{url}/language", {"locale": "nb", "table": "2²"})
    assert odd.headers["Location"].endswith(url)


def test_a_sends_answer_carries_the_status_and_the_own_list_for_the_outbox(phone, live_workshop):
    url = f"/j/{live_workshop.join_code}"
    token = csrf_token_in(phone.get(url).get_data(as_text=True))
    question_id = live_workshop.question_ids[0]
    sent = phone.post(f"{url}/q/{question_id}", data={"csrf_token": token, "text": "Longer opening hours"},
                      headers={"HX-Request": "true"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert re.search(r'role="status" data-send-status><span class="sent">Sent! Thank you.</span></p>', html)
    own = re.search(rf'<div id="q-{question_id}-own".*?</div>', html, re.S).group(0)
    assert "Longer opening hours" in own
    refused = phone.post(f"{url}/q/{question_id}", data={"csrf_token": token, "text": "  "},
                         headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "data-send-error" in refused.get_data(as_text=True)


def test_a_send_to_a_removed_question_says_so(phone, live_workshop):
    url = f"/j/{live_workshop.join_code}"
    token = csrf_token_in(phone.get(url).get_data(as_text=True))
    gone = phone.post(f"{url}/q/999999", data={"csrf_token": token, "text": "Too late"}, headers={"HX-Request": "true"})
    assert gone.status_code == 404
    assert "the facilitator has removed it" in gone.get_data(as_text=True)
    assert "data-request-error" in gone.get_data(as_text=True)

"""The phone's requests at the HTTP level: what a table card's link, a language switch and the
outbox's sends get back."""
from __future__ import annotations

import re

from conftest import Browser
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

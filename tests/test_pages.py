"""The service's own pages and addresses: the icon a browser guesses, the accessibility statement."""
from __future__ import annotations


def test_favicon_ico_leads_to_the_svg_icon(client):
    """Browsers ask for /favicon.ico on every page that names no icon (the printable minutes)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/static/favicon.svg")
    icon = client.get(location)
    icon.close()  # a file response: let go of the file
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_pages_link_the_icon_they_have(client):
    for path in ("/", "/accessibility", "/auth/login"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg' in html, path
        assert 'type="image/svg+xml"' in html, path


LANGUAGE_OF_PARTS = "What the workshop wrote (its title, its questions"


def test_statement_says_what_was_checked_and_what_is_only_inferred(client):
    """The statement names the focus, language-of-parts and landmark checks and says that how
    screen readers announce things is inferred, not tried; in every language of the service."""
    english = client.get("/accessibility", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for sentence in (LANGUAGE_OF_PARTS, "Where the keyboard focus lands", "exactly one main landmark",
                     "live regions that stay on the page", "has not been tried with JAWS, NVDA"):
        assert sentence in english
    for language in ("nb", "nn", "sv", "da", "fi"):
        page = client.get("/accessibility", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<html lang="{language}">' in page
        assert "VoiceOver" in page and LANGUAGE_OF_PARTS not in page, language

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

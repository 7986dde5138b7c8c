"""Locale choice: who sees which language.

Projector and minutes speak the workshop's language, a phone speaks its
participant's choice, the console its facilitator's. Views that know better
put the locale in ``g.locale`` before anything is translated.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from facilitator.infra.extensions import babel

# Autonyms: each language named in itself, as a language picker should.
LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "sv": "Svenska",
    "da": "Dansk",
    "fi": "Suomi",
    "en": "English",
}
# Browsers often send the macro-language "no"; Norwegians mostly write bokmål.
LANGUAGE_ALIASES = {"no": "nb", "nb-no": "nb", "nn-no": "nn"}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.filters["lang_attr"] = lang_attr
    app.context_processor(lambda: {"current_locale": str(get_locale() or "en")})


def supported_locales() -> list[str]:
    return current_app.config["LANGUAGES"]


def normalise_locale(code: str | None) -> str | None:
    """A supported locale for a code like 'nb-NO' or 'no', or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    code = LANGUAGE_ALIASES.get(code, code)
    if code in supported_locales():
        return code
    base = LANGUAGE_ALIASES.get(code.split("-")[0], code.split("-")[0])
    return base if base in supported_locales() else None


def browser_locale() -> str | None:
    for code, _quality in request.accept_languages:
        locale = normalise_locale(code)
        if locale:
            return locale
    return None


def select_locale() -> str:
    """Flask-Babel's selector: an explicit choice first, then the browser."""
    if g.get("locale"):
        return g.locale
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return browser_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def workshop_locale(workshop):
    """Render something (a pushed fragment, an export) in the workshop's language."""
    with force_locale(workshop.language or "en"):
        yield


def lang_attr(language: str | None) -> Markup:
    """' lang="nb"': marks text written in a workshop's language where a page in another
    language shows it (WCAG 3.1.2), so a screen reader pronounces it as what it is.

    Written always, also where it matches the page's language: a suggestion's fragment is
    rendered once and pushed to every phone in the room, whatever language each one reads."""
    return Markup(' lang="%s"') % (language or "en")


def language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in supported_locales()]


# Marked here so the extractor finds the label for the language field.
LANGUAGE_LABEL = _l("Language")

"""Forms with CSRF protection and specific, translated messages."""
from __future__ import annotations

import math
from functools import lru_cache

from babel import support
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm as BaseFlaskForm
from wtforms.i18n import messages_path
from wtforms import (
    BooleanField, DateField, EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField,
    TextAreaField, TimeField,
)
from wtforms.validators import (
    DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError,
)

from .i18n import language_choices
from .services.workshop_schema import (
    PLACE_MAX_LENGTH, PROGRAM_MAX_LENGTH, THEME_MAX_LENGTH, TITLE_MAX_LENGTH,
)
from .services.accounts import check_account_email

PASSWORD_MIN_LENGTH = 10


@lru_cache(maxsize=16)
def wtforms_translations(locale: str) -> support.Translations:
    """WTForms' own messages in one language, read from disk once per process, not per request
    (Flask-WTF's default: a measurable part of every suggestion sent)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class FlaskForm(BaseFlaskForm):
    """Every form of the app: CSRF-protected, with WTForms' messages in the request's language."""

    class Meta(BaseFlaskForm.Meta):
        def get_translations(self, form):
            return wtforms_translations(str(get_locale() or "en"))


def finite_number(raw: str | None) -> float:
    """A number as people type it ("15", "7,5"); ValueError for text, and for "nan", "inf" and
    "1e999", which float() accepts but no duration or amount can be."""
    number = float((raw or "").strip().replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(f"{raw!r} is not a finite number")
    return number


def strip(value):
    """Phones and password managers add stray spaces around addresses and codes."""
    return value.strip() if isinstance(value, str) else value


class AccountEmail:
    """A well-formed address, the names reserved for examples included (see check_account_email)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        from email_validator import EmailNotValidError
        try:
            check_account_email(field.data or "")
        except EmailNotValidError as error:
            raise ValidationError(self.message) from error


class SetupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Please enter your name.")), Length(max=120)])
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Please enter your e-mail address.")),
        AccountEmail(_l("That does not look like an e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Please choose a password.")),
        Length(min=PASSWORD_MIN_LENGTH, max=200,
               message=_l("The password must be at least %(min)d characters long.",
                          min=PASSWORD_MIN_LENGTH))])
    confirm = PasswordField(_l("Password again"), validators=[
        EqualTo("password", _l("The two passwords differ. Please type the same password twice."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Please enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Please enter your password."))])


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Please give the workshop a title.")),
        Length(max=TITLE_MAX_LENGTH,
               message=_l("The title can be at most %(max)d characters.", max=TITLE_MAX_LENGTH))])
    date = DateField(_l("Date"), validators=[Optional()],
                     render_kw={"autocomplete": "off"})
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Length(max=PLACE_MAX_LENGTH)])
    theme = StringField(_l("Theme"), validators=[Length(max=THEME_MAX_LENGTH)])
    language = SelectField(_l("Language of the workshop"), choices=[])
    program = TextAreaField(_l("Program"), validators=[Length(max=PROGRAM_MAX_LENGTH)],
                            description=_l("Shown in the minutes. Free text; blank lines separate paragraphs."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
        self.date.messages = {}


class NewWorkshopForm(WorkshopForm):
    questions = TextAreaField(_l("Questions"), validators=[Length(max=20000)],
                              description=_l("One question per line. You can add, edit and reorder them later."))


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[
        DataRequired(_l("Please write the question."))])


class SuggestionForm(FlaskForm):
    """The busiest form of all. CSRFProtect has checked its token before the view runs (as for
    every POST), so the form does not check it a second time."""

    class Meta:
        csrf = False

    text = TextAreaField(_l("Your suggestion"), validators=[
        InputRequired(_l("Please write something first."))])
    client_id = HiddenField()


class JoinForm(FlaskForm):
    display_name = StringField(_l("Your name (optional)"), validators=[Length(
        max=40, message=_l("Please use at most %(max)d characters for your name.", max=40))])
    table = SelectField(_l("Your table"), coerce=int, choices=[], default=0)
    host = BooleanField(_l("I host this table (I stay when the others move on)"))
    passcode = StringField(_l("Passcode"), validators=[Length(max=64)])


class VoteForm(FlaskForm):
    dots = IntegerField(_l("Dots"), validators=[InputRequired(_l("Choose how many dots.")),
                                                NumberRange(min=0, max=50)])


class CodeForm(FlaskForm):
    code = StringField(_l("Workshop code"), validators=[
        DataRequired(_l("Please type the code shown on the screen."))])

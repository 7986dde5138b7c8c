"""Forms with CSRF protection and specific, translated messages."""
from __future__ import annotations

import math
from functools import lru_cache

from babel import support
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm as BaseFlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms import (
    BooleanField, DateField, EmailField, HiddenField, IntegerField, PasswordField, SelectField, StringField,
    TextAreaField, TimeField,
)
from wtforms.validators import (
    DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError,
)

from facilitator.infra.i18n import language_choices
from facilitator.services.workshop_schema import (
    PLACE_MAX_LENGTH, PROGRAM_MAX_LENGTH, THEME_MAX_LENGTH, TITLE_MAX_LENGTH,
)
from facilitator.services.accounts import check_account_email

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


SCALE_CHOICES = [SelectChoice("1-5", "1–5"), SelectChoice("1-7", "1–7"), SelectChoice("0-10", "0–10")]


class QuestionKindForm(FlaskForm):
    """What kind of question, and its options and settings: one form for adding and changing."""
    kind = SelectField(_l("Kind of question"), choices=[], default="text")
    options = TextAreaField(_l("Options or statements"), validators=[Length(max=5000)], description=_l(
        "One per line. Multiple choice and ranking: 2 to 12 options. Scale: the statements to rate "
        "(leave empty to rate the question itself)."))
    multiple = BooleanField(_l("Multiple choice: each person may tick several"))
    max_choices = IntegerField(_l("Multiple choice: at most this many ticks (optional)"), validators=[
        Optional(), NumberRange(min=1, max=13, message=_l("Give a number from 1 to 13, or leave it empty."))])
    allow_other = BooleanField(_l("Multiple choice: offer “other” with a text box"))
    scale = SelectField(_l("Scale"), choices=SCALE_CHOICES, default="1-5")
    low_label = StringField(_l("Scale: what the lowest value means"), validators=[Length(max=80)])
    high_label = StringField(_l("Scale: what the highest value means"), validators=[Length(max=80)])
    ranking_source = SelectField(_l("Ranking: rank instead the suggestions of"), coerce=int, choices=[], default=0)
    premoderated = BooleanField(_l("Questions to the panel: approve each question before the room sees it"))

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        from facilitator.services.question_kinds import KINDS, kind_label
        self.kind.choices = [SelectChoice(kind, kind_label(kind)) for kind in KINDS]
        self.ranking_source.choices = [SelectChoice(0, _l("the options above"))] + [
            SelectChoice(question.id, question.text[:80]) for question in sources]

    @classmethod
    def for_question(cls, question, questions) -> QuestionKindForm:
        """A question's own form, filled in with its kind and settings; its fields' names and
        ids carry the question's id, so the console's several forms do not clash."""
        from facilitator.services.question_kinds import ranking_sources
        data = {"kind": question.kind, "options": "\n".join(o.text for o in question.options),
                "multiple": question.multiple, "max_choices": question.max_choices,
                "allow_other": question.allow_other, "scale": f"{question.scale_min}-{question.scale_max}",
                "low_label": question.low_label, "high_label": question.high_label,
                "premoderated": question.premoderated, "ranking_source": question.ranking_source_id or 0}
        return cls(formdata=None, prefix=f"q{question.id}-", sources=ranking_sources(question, questions), data=data)


class NewQuestionForm(QuestionForm, QuestionKindForm):
    """A question with its kind: open text unless the facilitator chooses another."""


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

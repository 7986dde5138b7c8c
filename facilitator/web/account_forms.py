"""Forms of the account pages and the administrator's page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from facilitator.web.forms import FlaskForm, strip
from facilitator.services.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


def email_field(label=None) -> EmailField:
    return EmailField(label or _l("E-mail address"), filters=[strip], validators=[
        DataRequired(_l("Please enter your e-mail address.")),
        Email(_l("That does not look like an e-mail address.")), Length(max=254)])


def new_password_fields(label=None) -> tuple[PasswordField, PasswordField]:
    password = PasswordField(label or _l("New password"), description=_l(
        "At least %(min)d characters. A few words you will remember make a good one.", min=PASSWORD_MIN_LENGTH),
        validators=[DataRequired(_l("Please choose a password.")), Length(max=PASSWORD_MAX_LENGTH)])
    confirm = PasswordField(_l("Password again"), validators=[
        EqualTo("password", _l("The two passwords differ. Please type the same password twice."))])
    return password, confirm


def name_field() -> StringField:
    return StringField(_l("Your name"), filters=[strip], validators=[
        DataRequired(_l("Please enter your name.")), Length(max=120)])


class NameForm(FlaskForm):
    name = name_field()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Please enter your current password."))])
    password, confirm = new_password_fields()


class ForgotForm(FlaskForm):
    email = email_field()


class ResetForm(FlaskForm):
    password, confirm = new_password_fields()


class WelcomeForm(FlaskForm):
    """Name and password for the account an invitation or a sign-up makes."""
    name = name_field()
    password, confirm = new_password_fields(_l("Password"))


class InviteAccountForm(FlaskForm):
    email = email_field(_l("Their e-mail address"))
    role = SelectField(_l("Role"), choices=[SelectChoice("facilitator", _l("Facilitator")),
                                            SelectChoice("administrator", _l("Administrator"))])


class HandOverForm(FlaskForm):
    new_owner = SelectField(_l("New owner"), coerce=int, validate_choice=True)

"""Command-line tools: the demo workshop and the minutes, the same as the web download."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from facilitator.infra.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(minutes_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(import_command)
    app.cli.add_command(user_group)
    app.cli.add_command(synthesis_command)
    from facilitator.infra.precompress import publish_static_command
    app.cli.add_command(publish_static_command)


FORMAT_CHOICES = ["md", "html", "docx", "odt", "pdf", "csv", "xlsx", "json"]


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only when the database has no workshop yet (used by `make run`).")
@click.option("--reset-password", is_flag=True,
              help="Only give the demo login a new password (printed as the last line) and end its sessions.")
def demo_command(if_empty: bool, reset_password: bool):
    """Create the demo facilitator and seminar; the last line printed is the join code."""
    from facilitator.services.demo import DEMO_EMAIL, create_demo, demo_facilitator, reset_demo_password
    from facilitator.models import Workshop
    if reset_password:
        password = reset_demo_password()
        if password is None:
            raise click.ClickException("There is no demo login yet: `flask --app wsgi demo` creates it.")
        db.session.commit()
        click.echo(f"New password for {DEMO_EMAIL}:")
        click.echo(password)
        return
    if if_empty and db.session.query(Workshop.id).first() is not None:
        click.echo("The database already has workshops; `flask --app wsgi demo` adds the demo again.")
        click.echo(f"Log in as {DEMO_EMAIL}; {RESET_HINT}")
        return
    facilitator, password = demo_facilitator()
    workshop = create_demo(facilitator)
    db.session.commit()
    click.echo(f"Demo workshop: {workshop.title} ({workshop.status})")
    if password:
        click.echo(f"Log in as {DEMO_EMAIL} with the password {password}")
        click.echo("  (shown only now; `flask --app wsgi demo --reset-password` makes a new one)")
    else:
        click.echo(f"Log in as {DEMO_EMAIL} with the password printed when it was made; {RESET_HINT}")
    click.echo(f"Phones join at /j/{workshop.join_code} with the code:")
    click.echo(workshop.join_code)


RESET_HINT = "a new password: `flask --app wsgi demo --reset-password`"


@click.command("minutes")
@with_appcontext
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="File to write; standard output if left out or '-'.")
def minutes_command(code: str, fmt: str, output: str | None):
    """Write a workshop's minutes (or its JSON export), the same document as the download."""
    from facilitator.exporters.formats import export_document
    from facilitator.services.workshops import get_workshop_by_code
    workshop = get_workshop_by_code(code)
    if workshop is None:
        raise click.ClickException(f"No workshop has the code {code!r}.")
    document, _name = export_document(workshop, fmt)
    data = document.encode("utf-8") if isinstance(document, str) else document
    if output and output != "-":
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote {output}", err=True)
    elif isinstance(document, bytes) and sys.stdout.isatty():
        # A terminal would show a binary file as garbage and may take escape codes from it.
        raise click.ClickException(f"{fmt} is a binary format: give --output FILE or redirect the output.")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


@click.command("import")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--owner", metavar="EMAIL", help="The facilitator who will own it; the first one if left out.")
def import_command(file, owner: str | None):
    """Load a workshop's JSON export as a new draft workshop; the last line printed is its join code."""
    from sqlalchemy import select
    from facilitator.models import Facilitator
    from facilitator.exporters.transfer import InvalidImport, import_json
    query = select(Facilitator).order_by(Facilitator.id).limit(1)
    if owner:
        query = select(Facilitator).where(Facilitator.email == owner.strip().lower())
    facilitator = db.session.scalar(query)
    if facilitator is None:
        raise click.ClickException(f"No facilitator has the address {owner!r}." if owner else
                                   "There is no facilitator yet: open the app once to create one.")
    try:
        workshop = import_json(file.read(), facilitator)
    except InvalidImport as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Imported: {workshop.title} (draft, owned by {facilitator.email})")
    click.echo(workshop.join_code)


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def purge_command(dry_run: bool):
    """Delete the workshops whose retention period has ended (run it daily, e.g. from a timer)."""
    from facilitator.services.retention import expired, purge_expired
    if dry_run:
        for workshop in expired():
            click.echo(f"would delete {workshop.join_code} {workshop.title!r}")
        return
    from facilitator.services.health import record_purge_run
    records = purge_expired()
    record_purge_run(records)  # the administrator's health page shows the last run
    db.session.commit()
    for record in records:
        click.echo(f"deleted {record.join_code} {record.workshop_title!r}")
    click.echo(f"{len(records)} workshop(s) deleted")


@click.group("user")
def user_group():
    """Accounts: create one, set a password, deactivate or reactivate one, list them."""


def checked_email(email: str) -> str:
    """The address as the web form would accept it, normalised."""
    from email_validator import EmailNotValidError
    from facilitator.services.accounts import check_account_email
    try:
        return check_account_email(email)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None


def prompt_password(email: str) -> str:
    """A new password, typed twice without echo, checked as the web forms check it (length,
    not a common password); asked again until it passes."""
    from facilitator.services import DomainError
    from facilitator.services.passwords import check_new_password
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_new_password(password, email)
        except DomainError as error:
            click.echo(str(error.message), err=True)
        else:
            return password


@user_group.command("create")
@with_appcontext
@click.argument("email")
@click.option("--name", prompt="Name", help="The name shown to co-facilitators and in the minutes.")
@click.option("--locale", type=click.Choice(["nb", "nn", "sv", "da", "fi", "en"]),
              help="The console's language; the browser's if left out.")
@click.option("--admin", is_flag=True, help="An administrator: manages the accounts and sees the health page.")
def user_create_command(email: str, name: str, locale: str | None, admin: bool):
    """Create an account; the password is asked for twice, hidden. The installation's first
    account is always an administrator."""
    from facilitator.services import DomainError
    from facilitator.services.accounts import create_facilitator, get_facilitator_by_email
    email = checked_email(email)
    if not name.strip():
        raise click.BadParameter("a name is needed", param_hint="--name")
    if get_facilitator_by_email(email) is not None:  # before asking for a password in vain
        raise click.ClickException(f"There is already an account with the address {email}.")
    from facilitator.models import AccountRole
    from facilitator.services.accounts import has_any_facilitator
    role = AccountRole.ADMINISTRATOR if admin or not has_any_facilitator() else AccountRole.FACILITATOR
    try:
        create_facilitator(email, name, prompt_password(email), locale=locale, role=role)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created the account {email} ({role}).")


@user_group.command("set-password")
@with_appcontext
@click.argument("email")
def user_set_password_command(email: str):
    """Give an account a new password (asked for twice, hidden); its browsers are logged out."""
    from facilitator.services.account_log import record_account_event
    from facilitator.services.accounts import set_password
    facilitator = existing_account(email)
    set_password(facilitator, prompt_password(facilitator.email))
    record_account_event("password_changed", facilitator, None, detail="command line")
    db.session.commit()
    click.echo(f"New password set for {facilitator.email}; its browsers are logged out.")


def existing_account(email: str):
    from facilitator.services.accounts import get_facilitator_by_email
    facilitator = get_facilitator_by_email(email)
    if facilitator is None:
        raise click.ClickException(f"No account has the address {email.strip()!r}.")
    return facilitator


@user_group.command("deactivate")
@with_appcontext
@click.argument("email")
def user_deactivate_command(email: str):
    """The account can no longer log in and its browsers are logged out; its workshops stay."""
    change_account_status(email, active=False)


@user_group.command("reactivate")
@with_appcontext
@click.argument("email")
def user_reactivate_command(email: str):
    """The account may log in again with its password."""
    change_account_status(email, active=True)


def change_account_status(email: str, active: bool) -> None:
    from facilitator.services import DomainError
    from facilitator.services.staff import deactivate, reactivate
    facilitator = existing_account(email)
    try:
        (reactivate if active else deactivate)(None, facilitator)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{facilitator.email} is {'active' if active else 'deactivated'}.")


@user_group.command("list")
@with_appcontext
def user_list_command():
    """Every account: address, name, role, status, when it was made."""
    from facilitator.services.staff import list_accounts
    for facilitator in list_accounts():
        status = "active" if facilitator.active else "deactivated"
        click.echo(f"{facilitator.email}\t{facilitator.name}\t{facilitator.role}\t{status}\t"
                   f"{facilitator.created_at:%Y-%m-%d}")


@click.command("synthesis")
@with_appcontext
@click.argument("code")
@click.option("--question", "number", type=click.IntRange(min=1), metavar="N",
              help="The question's number in the workshop (1 is the first); every question if left out.")
@click.option("--granularity", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Theme proposals: 0 for few broad groups, 1 for many narrow ones.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def synthesis_command(code: str, number: int | None, granularity: float, fmt: str):
    """Possible duplicates and theme proposals for a workshop's visible suggestions, as the console shows them."""
    import json
    from facilitator.services.synthesis.live import dismissed_pairs
    from facilitator.services.synthesis.workshop import synthesise
    from facilitator.services.workshops import get_workshop_by_code
    workshop = get_workshop_by_code(code)
    if workshop is None:
        raise click.ClickException(f"No workshop has the code {code!r}.")
    questions = list(workshop.questions)
    if number is not None:
        if number > len(questions):
            raise click.ClickException(f"The workshop has {len(questions)} questions; there is no question {number}.")
        questions = [questions[number - 1]]
    # Pairs a facilitator dismissed on the board are not proposed here either.
    result = synthesise(workshop, questions, granularity, dismissed_pairs(workshop))
    click.echo(json.dumps(result, ensure_ascii=False, indent=1))

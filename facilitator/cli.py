"""Command-line tools: the demo workshop and the minutes, the same as the web download."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(minutes_command)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only when the database has no workshop yet (used by `make run`).")
def demo_command(if_empty: bool):
    """Create the demo facilitator and seminar; the last line printed is the join code."""
    from .demo import DEMO_EMAIL, DEMO_PASSWORD, create_demo
    from .models import Workshop
    if if_empty and db.session.query(Workshop.id).first() is not None:
        click.echo("The database already has workshops; `flask --app wsgi demo` adds the demo again.")
        return
    workshop = create_demo()
    db.session.commit()
    click.echo(f"Demo workshop: {workshop.title} ({workshop.status})")
    click.echo(f"Log in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}")
    click.echo(f"Phones join at /j/{workshop.join_code} with the code:")
    click.echo(workshop.join_code)


@click.command("minutes")
@with_appcontext
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write; standard output if left out.")
def minutes_command(code: str, fmt: str, output: str | None):
    """Write a workshop's minutes, the same document as the download."""
    from .exporters.html import render_html
    from .exporters.markdown import render_markdown
    from .services.minutes import compile_minutes
    from .services.workshops import get_workshop_by_code
    workshop = get_workshop_by_code(code)
    if workshop is None:
        raise click.ClickException(f"No workshop has the code {code!r}.")
    document = {"md": render_markdown, "html": render_html}[fmt](compile_minutes(workshop))
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(document)
        click.echo(f"Wrote {output}", err=True)
    else:
        sys.stdout.write(document)

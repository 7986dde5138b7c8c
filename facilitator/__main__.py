"""``facilitator COMMAND`` (or ``python -m facilitator COMMAND``): the flask commands without ``--app``.

An installed copy has no ``wsgi.py`` beside it, so this is how a server runs
``facilitator db upgrade``, ``facilitator user create …`` or ``facilitator purge``.
Commands run without gevent's patching: they serve nobody.
"""
from flask.cli import FlaskGroup

from facilitator import create_app


def main() -> None:
    """Run one command against the app configured by the environment."""
    FlaskGroup(create_app=create_app, help="facilitator: commands for an installation.")(prog_name="facilitator")


if __name__ == "__main__":
    main()

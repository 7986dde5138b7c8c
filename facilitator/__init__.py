"""facilitator: run workshops and café dialogues with live suggestions from phones."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.infra.config import INSTANCE_PATH, PROJECT_ROOT, Config

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the application; tests pass TestConfig or a dict of overrides."""
    # Imported here, not above: `facilitator.wsgi` must let gevent patch the standard library
    # before Flask pulls in ssl and threading, and importing it imports this package first.
    from flask import Flask
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_PATH),
        instance_relative_config=True,
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from facilitator.infra import database, security, i18n
    from facilitator.web import limits
    from facilitator.live import realtime
    from facilitator.web import errors, templating, routing, unit_of_work
    from facilitator import cli
    from facilitator.infra.extensions import csrf, login_manager, migrate, db

    security.check_production_config(app)
    routing.init_app(app)
    from facilitator.infra import assets
    assets.init_app(app)  # first, so its compressing after_request runs last
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limits.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    unit_of_work.init_app(app)  # after the limits: they see a failed commit's answer
    realtime.init_app(app)
    security.init_wsgi(app)  # after realtime: around the Socket.IO server too
    from facilitator.infra import overload
    overload.init_app(app)  # outermost: a refused send costs no more than the refusal
    cli.init_app(app)

    from facilitator.web import auth, host, participant, projector, export, results, pages
    app.register_blueprint(auth.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(host.bp)
    app.register_blueprint(participant.bp)
    app.register_blueprint(projector.bp)
    app.register_blueprint(export.bp)
    from facilitator.web import answering
    app.register_blueprint(answering.bp)
    from facilitator.web import photos
    app.register_blueprint(photos.bp)
    from facilitator.web import account, admin
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    from facilitator.web import sso
    sso.init_app(app)
    app.add_url_rule("/", endpoint="index", view_func=participant.index)
    return app

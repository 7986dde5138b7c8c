"""The app for gunicorn, from a checkout or an installed copy: ``gunicorn facilitator.wsgi:app``.

gevent must patch the standard library before anything else imports socket
or threading, or the server would block on the first slow phone. The package's
``__init__`` imports no Flask, so this module still comes first.
"""
import os

if os.environ.get("SOCKETIO_ASYNC_MODE", "gevent") == "gevent" and not os.environ.get("FACILITATOR_NO_PATCH"):
    from gevent import monkey

    monkey.patch_all()

from facilitator import create_app  # noqa: E402
from facilitator.infra.gctune import tune_for_serving  # noqa: E402

app = create_app()
tune_for_serving()

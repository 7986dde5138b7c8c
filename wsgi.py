"""Entry point for gunicorn and the flask command.

gevent must patch the standard library before anything else imports socket
or threading, or the server would block on the first slow phone.
"""
import os

if os.environ.get("SOCKETIO_ASYNC_MODE", "gevent") == "gevent" and not os.environ.get("FACILITATOR_NO_PATCH"):
    from gevent import monkey

    monkey.patch_all()

from facilitator import create_app  # noqa: E402
from facilitator.gctune import tune_for_serving  # noqa: E402

app = create_app()
tune_for_serving()

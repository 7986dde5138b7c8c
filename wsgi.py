"""Entry point in a checkout for gunicorn and the flask command (``flask --app wsgi …``).

The app itself lives in ``facilitator.wsgi``, which an installed copy uses directly.
"""
from facilitator.wsgi import app  # noqa: F401

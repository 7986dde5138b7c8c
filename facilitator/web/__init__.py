"""The web layer: Flask's blueprints and their forms, error pages and template helpers.

A view reads the request, calls a service, and renders or redirects; the rules live in
``facilitator.services``. Blueprints: ``participant`` (the phone), ``host`` (the facilitator's
console, a package split by concern), ``projector``, ``results``, ``export``, ``auth``,
``account``, ``admin``, ``sso`` and ``pages``."""

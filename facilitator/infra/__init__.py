"""Infrastructure: configuration, the database, Flask's extensions, limits, security headers,
static assets, languages, e-mail and the overload gate. Nothing here knows what a workshop is."""

"""Configuration read from the environment, with a test variant.

Every setting a deployer may change is an environment variable, so one
installed copy serves a laptop demo, CI and a municipality's server alike.
"""
import os
import sys
from datetime import timedelta
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# A checkout keeps templates/, static/ and migrations/ beside the package; an installed wheel
# carries them inside it (setup.py copies them there), since site-packages has no "beside".
PROJECT_ROOT = PACKAGE_ROOT if (PACKAGE_ROOT / "templates").is_dir() else PACKAGE_ROOT.parent


def default_instance_path() -> Path:
    """instance/ in a checkout; an installed copy follows Flask's convention (<venv>/var/facilitator-instance),
    since site-packages may be read-only and the working directory depends on who starts it."""
    if os.environ.get("INSTANCE_PATH"):
        return Path(os.environ["INSTANCE_PATH"])
    if PROJECT_ROOT == PACKAGE_ROOT:
        return Path(sys.prefix) / "var" / "facilitator-instance"
    return PROJECT_ROOT / "instance"


INSTANCE_PATH = default_instance_path()

# Signals that nobody configured a secret; production refuses to start with it.
DEVELOPMENT_SECRET = "dev-only-not-secret"  # noqa: S105 - a marker, refused in production


def default_database_url() -> str:
    """SQLite file under instance/, the embedded default."""
    return f"sqlite:///{INSTANCE_PATH / 'facilitator.sqlite3'}"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Where phones are sent by the QR code; behind a proxy the request's own
    # host may be an internal name, so a deployer can state the public one.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # The Redis channel the app's processes share; installations that share one Redis each
    # need their own, or their pushes reach each other's processes.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "facilitator")
    # gevent is what carries thousands of sockets in one process (README);
    # tests switch to threading because the test client needs no server.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "gevent")

    # A CSRF token that expires mid-seminar would lose a suggestion, so tokens
    # live as long as the signed session that carries them.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False

    PRODUCTION = os.environ.get("FACILITATOR_ENV") == "production"
    # Behind nginx: how many proxies' X-Forwarded-* headers to trust (for the client's address
    # in rate limits, and https in generated links).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1" if PRODUCTION else "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A participant's phone must still be recognised at the afternoon session.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # The cookie is signed and sent again only when the session changes, not on every request:
    # a suggestion's answer then costs no new signature, and a session ends 30 days after it
    # last changed (a login, a join) however often it is used.
    SESSION_REFRESH_EACH_REQUEST = False
    # A facilitator is logged out after this many hours without a request (a seminar day and
    # its evening); a participant's phone stays joined.
    FACILITATOR_IDLE_HOURS = int(os.environ.get("FACILITATOR_IDLE_HOURS", "12"))
    MAX_CONTENT_LENGTH = 256 * 1024

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Oslo")
    BABEL_TRANSLATION_DIRECTORIES = str(PACKAGE_ROOT / "translations")
    LANGUAGES = ["nb", "nn", "sv", "da", "fi", "en"]

    # Changes to a room that follow the first within a window go out as one message. The window
    # grows by this much per 1,000 connected screens (a push costs one message per screen) and
    # doubles while the process falls behind (a burst), up to the maximum; the first two changes
    # after a quiet spell are sent at once. 0.05 s: 2,000 phones get at most 10 pushes a second, which
    # took under half a core while the same process accepted 100 suggestions a second.
    LIVE_COALESCE_SECONDS = float(os.environ.get("LIVE_COALESCE_SECONDS", "0.25"))
    LIVE_COALESCE_SECONDS_PER_1000 = float(os.environ.get("LIVE_COALESCE_SECONDS_PER_1000", "0.05"))

    # Lay out the minutes' PDFs in the background when a workshop closes or its minutes are saved.
    PREPARE_PDFS = True
    # Where laid-out PDFs are kept for every process to share; empty: instance/pdf-cache.
    PDF_CACHE_FOLDER = os.environ.get("PDF_CACHE_FOLDER", "")

    # Where people report an accessibility problem: an e-mail address or a web address.
    ACCESSIBILITY_CONTACT = os.environ.get("ACCESSIBILITY_CONTACT", "")

    # E-mail (facilitator/infra/mail.py): password-reset links and invitations. No server: no e-mail.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_SECURITY = os.environ.get("MAIL_SECURITY", "starttls")  # "starttls", "tls" or "none"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "facilitator@localhost")
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE", "")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # Self sign-up for addresses in these domains, e.g. "hol.kommune.no,nesbyen.kommune.no";
    # empty: accounts are made by an administrator only.
    SIGNUP_DOMAINS = [domain.strip().lower().lstrip("@")
                      for domain in os.environ.get("SIGNUP_DOMAINS", "").split(",") if domain.strip()]

    # Single sign-on with the organisation's identity provider (OpenID Connect; facilitator/web/sso.py).
    # On when SSO_ISSUER is set: the provider's discovery document is read from
    # SSO_ISSUER/.well-known/openid-configuration.
    SSO_ISSUER = os.environ.get("SSO_ISSUER", "").rstrip("/")
    SSO_CLIENT_ID = os.environ.get("SSO_CLIENT_ID", "")
    SSO_CLIENT_SECRET = os.environ.get("SSO_CLIENT_SECRET", "")
    # What the login button calls the provider, e.g. "Hol kommune"; empty: a general wording.
    SSO_NAME = os.environ.get("SSO_NAME", "")
    SSO_SCOPES = os.environ.get("SSO_SCOPES", "openid email profile")
    SSO_EMAIL_CLAIM = os.environ.get("SSO_EMAIL_CLAIM", "email")
    # Entra ID sends no email_verified; its optional claim xms_edov says the domain is verified.
    SSO_EMAIL_VERIFIED_CLAIM = os.environ.get("SSO_EMAIL_VERIFIED_CLAIM", "email_verified")
    # Only addresses in these domains may sign in by SSO (empty: any address that has an account);
    # with SSO_CREATE_ACCOUNTS=1 an account is made for them on their first sign-in.
    SSO_ALLOWED_DOMAINS = [domain.strip().lower().lstrip("@")
                           for domain in os.environ.get("SSO_ALLOWED_DOMAINS", "").split(",")
                           if domain.strip()]
    SSO_CREATE_ACCOUNTS = os.environ.get("SSO_CREATE_ACCOUNTS", "0") == "1"
    # Members of these groups (values of the SSO_GROUPS_CLAIM claim) are administrators, the
    # others facilitators, decided at every sign-in; empty: roles are set in the app.
    SSO_GROUPS_CLAIM = os.environ.get("SSO_GROUPS_CLAIM", "groups")
    SSO_ADMIN_GROUPS = [group.strip() for group in os.environ.get("SSO_ADMIN_GROUPS", "").split(",")
                        if group.strip()]
    SSO_TIMEOUT = float(os.environ.get("SSO_TIMEOUT", "10"))
    # "0" switches the e-mail and password form off while SSO is on.
    PASSWORD_LOGIN = os.environ.get("PASSWORD_LOGIN", "1") != "0"

    SUGGESTION_MAX_LENGTH = 500
    DISPLAY_NAME_MAX_LENGTH = 40


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SOCKETIO_ASYNC_MODE = "threading"
    REDIS_URL = None
    SERVER_NAME = "localhost"
    PUBLIC_URL = ""
    LIVE_COALESCE_SECONDS = 0
    # Laying out PDFs in a background thread would outlive a test's database; the test of it
    # turns it on.
    PREPARE_PDFS = False
    # No PDF outlives its test: the tests of the cache give it a folder of their own.
    PDF_CACHE_FOLDER = None
    # No e-mail unless a test starts its own SMTP server.
    MAIL_SERVER = ""
    SIGNUP_DOMAINS: list = []
    # No single sign-on unless a test starts its own provider.
    SSO_ISSUER = ""
    PASSWORD_LOGIN = True

"""Settings for the safeguarding records project: one module, configured from the environment.

Every variable is listed in the README. Readers in ``safeguarding.env`` refuse bad values.
"""

from datetime import timedelta
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from safeguarding.env import envbool, envint, envkeys, envlist, envstr

# Django's generic classes take type parameters at run time too (ModelForm[YoungPerson],
# ModelAdmin[School]), as they do for mypy; this only adds ``__class_getitem__``.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", False)

SECRET_KEY = envstr("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false")

# Keys of the tamper evidence: HMAC-SHA256 over each signature's record content and each audit
# event's link in the chain (incidents.keys). They live outside the database, so someone who can
# change its rows cannot recompute a digest. ``id:base64key``, comma-separated, the first current;
# keep earlier keys listed after it so what they keyed still verifies.
SAFEGUARDING_DIGEST_KEYS = envkeys("SAFEGUARDING_DIGEST_KEYS")
if not SAFEGUARDING_DIGEST_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SAFEGUARDING_DIGEST_KEYS must be set when DJANGO_DEBUG is false "
            "(id:base64key, e.g. k1:$(openssl rand -base64 32))"
        )
    SAFEGUARDING_DIGEST_KEYS = {"dev": b"development-only-digest-key-not-for-production!!"}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "guardian",
    "simple_history",
    "pgtrigger",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Recovery codes: one-time static tokens, shown once (incidents.services.accounts).
    "django_otp.plugins.otp_static",
    # Passkeys (WebAuthn) as a second factor beside the authenticator app.
    "django_otp_webauthn",
    "axes",
    # The task queue (Django 6's django.tasks, backported) with PostgreSQL as the queue:
    # incidents.taskqueue is the one module that imports it.
    "django_tasks",
    "django_tasks_db",
    "incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body: a request carrying a file is refused unstored (the
    # product never holds imagery).
    "incidents.security.RefuseFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session limits, then the second factor, before any view runs.
    "incidents.security.SessionLimitsMiddleware",
    "incidents.security.SecondFactorMiddleware",
    "incidents.security.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "incidents.middleware.CurrentSchoolMiddleware",
    # A destroyed record's pages answer with its tombstone (410) to people of its school.
    "incidents.middleware.TombstoneMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguarding.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "incidents.context_processors.current_school",
                "incidents.context_processors.limits",
            ],
        },
    },
]

WSGI_APPLICATION = "safeguarding.wsgi.application"

# An SQLite file beside the code lets a newcomer run the app with one command; production and
# the test suite use PostgreSQL, whose triggers protect locked records and the audit log.
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from exc
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured("DATABASE_URL must be postgres://... or sqlite:///...")

# Two database roles on PostgreSQL (docs/architecture.md, "Two database roles"): DATABASE_URL is
# the application's role, which owns nothing; DATABASE_MIGRATE_URL the owner role that
# `manage.py migrate` connects as (it owns the tables and the trigger functions, and grants the
# application's role what it needs after each migrate). The same database on the same server,
# so only its user, password, host and port are used. Set it for migrating only, never in the
# application server's environment.
DATABASE_MIGRATE_URL = envstr("DATABASE_MIGRATE_URL")
DATABASE_MIGRATE: dict[str, str] | None = None
if DATABASE_MIGRATE_URL:
    try:
        _owner = dj_database_url.parse(DATABASE_MIGRATE_URL)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_MIGRATE_URL is not a database address: {exc}"
        ) from exc
    _app = DATABASES["default"]
    if _app["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_MIGRATE_URL is for PostgreSQL; DATABASE_URL is not")
    if _owner["ENGINE"] != _app["ENGINE"] or _owner["NAME"] != _app["NAME"]:
        raise ImproperlyConfigured(
            "DATABASE_MIGRATE_URL must name the same PostgreSQL database as DATABASE_URL"
        )
    if _owner["USER"] == _app["USER"]:
        raise ImproperlyConfigured(
            "DATABASE_MIGRATE_URL must connect as the owner role, not DATABASE_URL's role"
        )
    DATABASE_MIGRATE = {key: str(_owner[key] or "") for key in ("USER", "PASSWORD", "HOST", "PORT")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "incidents.User"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development (and the test suite, which runs with development settings) WhiteNoise serves
# straight from the source folders; in production from `collectstatic`'s STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# No file is ever uploaded: refuse multipart bodies held in memory beyond a form's size.
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1_000_000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The task queue (incidents.taskqueue): PostgreSQL's table django_tasks_db_dbtaskresult is the
# queue and `manage.py db_worker` the worker, any number of them. SAFEGUARDING_TASK_BACKEND
# "immediate" runs each task in the request that enqueues it (no worker: a demo, or tests).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = envstr("SAFEGUARDING_TASK_BACKEND", "database")
if _task_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured("SAFEGUARDING_TASK_BACKEND must be 'database' or 'immediate'")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_task_backend]}}
# A finished export (the file's bytes, in the database) is kept for its requester this long.
EXPORT_KEEP_SECONDS = envint("SAFEGUARDING_EXPORT_KEEP_SECONDS", 24 * 60 * 60)

# django-guardian: object permissions live in direct foreign-key tables (incidents.models).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

EMAIL_BACKEND = envstr("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DJANGO_DEFAULT_FROM_EMAIL", "safeguarding@localhost")
# The base address used in e-mailed links (alerts carry a link, never a child's name).
# localhost, not 127.0.0.1: WebAuthn refuses an IP address as its relying party.
SITE_URL = envstr("DJANGO_SITE_URL", "http://localhost:8000")

# Sessions: 30 minutes idle, 12 hours at most from sign-in
# (incidents.security.SessionLimitsMiddleware, which ends them). The stored session is renewed
# at most once a minute (SESSION_RENEW_SECONDS), not written on every request.
SESSION_IDLE_SECONDS = envint("DJANGO_SESSION_IDLE_SECONDS", 30 * 60)
# A form posted after the session ended is kept for its author this long
# (incidents.models.KeptSubmission), and restored after they sign in again.
KEPT_SUBMISSION_SECONDS = envint("SAFEGUARDING_KEPT_SUBMISSION_SECONDS", 2 * 60 * 60)
# The warning dialog opens this long before the idle limit (static/js/session-timeout.js).
SESSION_WARNING_SECONDS = 2 * 60
# The store keeps an idle session's row past the idle limit, for as long as a submission is
# kept: the middleware, not the store, ends the session at the idle limit, and so still knows
# whose session it was when a form arrives late. The cookie ends with the browser either way.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + KEPT_SUBMISSION_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_AGE_SECONDS = envint("DJANGO_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A refused CSRF check gets the product's page (in the layout, with a way back), not Django's.
CSRF_FAILURE_VIEW = "incidents.views.errors.csrf_failure"

# HTTPS. Safe production defaults; each can be turned off from the environment (for example
# behind a proxy that terminates TLS and redirects itself). Development serves plain HTTP.
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # The __Host- prefix makes browsers refuse the cookie unless it is secure, for this host
    # only and for the whole site: a sibling subdomain cannot plant or read it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
# Only behind a proxy that sets this header itself and strips it from clients.
if envbool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere. Bootstrap's
# form controls draw their icons from data: SVGs in its stylesheet, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    },
}

# Second factor (django-otp TOTP) for every role that can read records and for system
# administrators (incidents.security.SecondFactorMiddleware).
OTP_TOTP_ISSUER = envstr("DJANGO_OTP_ISSUER", "Safeguarding records")

# Invitations (incidents.services.accounts): one-time links that set an account's password and
# second factor; a new one supersedes the older ones.
INVITATION_HOURS = envint("SAFEGUARDING_INVITATION_HOURS", 72)
if INVITATION_HOURS < 1:
    raise ImproperlyConfigured("SAFEGUARDING_INVITATION_HOURS must be at least 1")
# "Forgot password" links work once (Django's token changes with the password) and briefly.
PASSWORD_RESET_TIMEOUT = envint("DJANGO_PASSWORD_RESET_SECONDS", 60 * 60)
if PASSWORD_RESET_TIMEOUT < 60:
    raise ImproperlyConfigured("DJANGO_PASSWORD_RESET_SECONDS must be at least 60")

# Passkeys (django-otp-webauthn), only ever as a second factor after the password. The relying
# party is a domain name (never an IP address): by default the host of DJANGO_SITE_URL, and the
# origins allowed are that address's.
_SITE = urlsplit(SITE_URL)
OTP_WEBAUTHN_RP_ID = envstr("DJANGO_WEBAUTHN_RP_ID", _SITE.hostname or "localhost")
try:
    ip_address(OTP_WEBAUTHN_RP_ID)
except ValueError:
    pass  # a domain name, as WebAuthn requires
else:
    raise ImproperlyConfigured(
        f"The passkeys' relying party is {OTP_WEBAUTHN_RP_ID}, an IP address, which browsers "
        "refuse: set DJANGO_SITE_URL (or DJANGO_WEBAUTHN_RP_ID) to a domain name, e.g. "
        "http://localhost:8000 in development"
    )
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist(
    "DJANGO_WEBAUTHN_ORIGINS", [f"{_SITE.scheme}://{_SITE.netloc}"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "django_otp_webauthn"

# django-axes: lock out a username from one address after repeated failures. The pair, not the
# address alone, so one locked account does not lock out a whole school behind one address;
# the address is REMOTE_ADDR only (incidents.audit.client_ip), so a forged X-Forwarded-For
# changes nothing. A username is also locked out from every address after more failures spread
# over many addresses (incidents.security.LockoutHandler: the pair's count first, then the
# username's).
AXES_HANDLER = "incidents.security.LockoutHandler"
AXES_FAILURE_LIMIT = envint("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_USERNAME_FAILURE_LIMIT = envint("DJANGO_AXES_USERNAME_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=envint("DJANGO_AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_CLIENT_IP_CALLABLE = "incidents.audit.client_ip"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "WARNING")},
}

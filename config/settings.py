"""Zaiti settings: one module, read from environment variables.

The embedded default (no variables set) is a SQLite file in the project, a
local-memory cache and inline background jobs. Setting DATABASE_URL and
REDIS_URL moves the same code onto PostgreSQL and Redis.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Only ever used with DEBUG on; production must set SECRET_KEY (checked below).
_DEV_SECRET_KEY = "django-insecure-zaiti-development-key-never-use-in-production"


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
# Demo mode prints the demo users' passwords; never on in production.
DEMO_MODE = envbool("DEMO_MODE", DEBUG)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY is too weak: use at least 50 random characters.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "axes",
    "csp",
    "carriers",
    "leasing",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, so static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.audit.DenialLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leasing.context_processors.scope",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

SQLITE_PATH = BASE_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: every atomic block takes the write lock when it begins, so two
    # allocation transactions can never interleave their check and insert.
    # WAL lets readers go on while one writer works; the busy timeout makes
    # writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: our report and search queries are many and short-lived, and JIT
    # compilation cost more than it saved (district occupancy 432 -> 226 ms,
    # unit status counts 290 -> 160 ms at 10x the zone, bench/RESULTS.md).
    # PG_OPTIONS replaces it, e.g. "-c jit=on" to compare.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "PG_OPTIONS", "-c jit=off"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Short timeouts: Redis only accelerates, so a dead Redis must
            # cost a request milliseconds, not the default's minutes.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "zaiti",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_on_timeout": False,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With Redis, seconds after a change before the report worker warms the district
# dashboard again (reports/warm.py): changes meanwhile ride along.
DASHBOARD_WARM_DELAY = envint("DASHBOARD_WARM_DELAY", 10)

# Sessions live in the database, never in the cache alone: losing Redis must
# not log everybody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's own, with its message in Chinese (config/passwords.py).
    {"NAME": "config.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, config/login_throttle.py): after
# LOGIN_FAILURE_LIMIT failures for one username from one address, that pair
# is refused for LOGIN_COOLOFF_MINUTES (429, a page saying so); a success
# resets the count. Counted in the database, so a Redis outage changes nothing.
AUTHENTICATION_BACKENDS = [
    "config.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out do not push the end of the pause further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "config.login_throttle.LoggingHandler"
AXES_LOCKOUT_CALLABLE = "config.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.login_throttle.client_ip"
# How many proxies of ours stand in front of gunicorn and append the client's
# address to X-Forwarded-For. 0 (the default): that header is ignored, since a
# client could otherwise pick a new address for every attempt.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# axes stores each failed attempt's form data: mask the CSRF token too (the
# password always is), and keep its own log lines terse.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

# --- Language and time ------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- Production hardening ------------------------------------------------------------

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Behind a TLS-terminating proxy (nginx, a load balancer).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), enforced in every configuration, DEBUG
# and tests included, so that a page breaking it fails its browser test
# (tests/browser/test_csp.py). Our pages keep every script and style in
# static/ (data reaches scripts through data-* attributes or json_script), so
# nothing needs 'unsafe-inline' or 'unsafe-eval', and no other host is named.
# Pictures come from /files/, report progress from fetch() to our own URLs.
# (With DEBUG on, django-csp leaves 404 and 500 answers without the header so
# that Django's technical error pages, all inline styles, stay readable.)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Mail and logging ------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zaiti@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "zaiti": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Our own lines (config/login_throttle.py) record failures and lockouts.
        "axes": {"handlers": ["console"], "level": "ERROR"},
    },
}

"""Settings for wuxing, configured from the environment.

Environment variables:
  DATABASE_URL     default sqlite:///var/wuxing.sqlite3 (postgres://… for PostgreSQL)
  DB_CONN_MAX_AGE  seconds a database connection is reused, default 60 (always 0 under runserver)
  DJANGO_DEBUG     "1" turns DEBUG on (make dev sets it; make run and production leave it off)
  WUXING_DEMO      "1" lets the Beiguan demo accounts log in (make run and make dev set it)
  SECRET_KEY       default: generated once into var/secret_key
  ALLOWED_HOSTS    comma-separated, default "127.0.0.1,localhost"
  WUXING_VAR_DIR   where the SQLite database and uploads live, default ./var
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.client_ip import parse_networks
from wuxing.core.private_files import default_var_dir, secure_var_dir

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = default_var_dir()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else from var/secret_key (created once, readable by owner only)."""
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        secure_var_dir(VAR_DIR)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "simple_history",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "ninja",
    "csp",
    "wuxing.core",
    "wuxing.orgs",
    "wuxing.accounts",
    "wuxing.rules",
    "wuxing.api",
    "wuxing.reviews",
    "wuxing.funds",
    "wuxing.competition",
    "wuxing.boards",
    "wuxing.members",
    "wuxing.dashboard",
    "wuxing.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files straight from the WSGI process (gunicorn under `make run`): STATIC_ROOT, compressed and
    # cached; under DEBUG it finds them in the apps like runserver does.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "wuxing.core.middleware.ApiErrorsAsJsonMiddleware",
    "wuxing.core.middleware.RefuseNulMiddleware",
    "wuxing.core.request_cache.RequestCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wuxing.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wuxing.core.middleware.LoginRequiredMiddleware",
    "wuxing.core.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wuxing.urls"
WSGI_APPLICATION = "wuxing.wsgi.application"

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
                "django.template.context_processors.i18n",
                "wuxing.core.context_processors.menu",
            ],
        },
    }
]


def conn_max_age(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """How long (seconds) a process keeps a database connection for the next request.

    Django's development server runs every request in a new thread, and a thread's connection is never
    reused: there, 0 (close after each request). Elsewhere DB_CONN_MAX_AGE, default 60 — a production
    server keeps one connection per worker thread (docs/operator.md §3 has the arithmetic).
    """
    if argv[1:2] == ["runserver"]:
        return 0
    raw = environ.get("DB_CONN_MAX_AGE", "60").strip()
    if not raw.isdigit():
        raise ImproperlyConfigured(f"DB_CONN_MAX_AGE 应为不小于 0 的整数（秒），当前为“{raw}”")
    return int(raw)


CONN_MAX_AGE = conn_max_age(sys.argv, os.environ)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'wuxing.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        # A kept connection is checked before each request reuses it, so a database restart costs no errors.
        conn_health_checks=CONN_MAX_AGE > 0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL: readers never wait for a writer, and a writer waits for the one before it at most this
            # long (seconds) before giving up; imports hold the write lock for a few seconds only.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "wuxing.accounts.backends.DemoAwareModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): 5 failures lock the username+IP pair for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy: its addresses, so that throttling sees the real client (wuxing/accounts/client_ip.py).
TRUSTED_PROXIES = parse_networks(os.environ.get("WUXING_TRUSTED_PROXIES", ""))
AXES_CLIENT_IP_CALLABLE = "wuxing.accounts.client_ip.client_ip"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto (docs/operator.md).
if env_bool("WUXING_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Served only over HTTPS (docs/operator.md §7): plain-HTTP requests are redirected and browsers told to
# keep to HTTPS (HSTS) for this host and its subdomains. Not submitted to the browsers' preload list (a
# district's host name is not ours to pin forever), hence security.W021 is silenced below.
if env_bool("WUXING_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("WUXING_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline script or
# event handler anywhere (behaviours are data-* attributes read by static/js/behaviours.js); styles from
# our files plus inline style attributes (htmx adds its indicator style); nothing framed, nothing posted
# elsewhere. A browser test walks the pages with this policy and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# Before the first collectstatic (tests, `make dev`) STATIC_ROOT does not exist yet; whitenoise would warn on
# every request. Under DEBUG it serves from the apps' static directories anyway.
warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploads (evidence) are readable by the app's account only; collected static files are public (the
# reverse proxy serves them as another account). wuxing.core.private_files explains the whole var/ layout.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Uploads (docs/operator.md §7): an Excel import is refused above WUXING_IMPORT_MAX_MB before anything is
# unpacked, and its zip parts are held to WUXING_XLSX_LIMITS before any XML is parsed
# (wuxing/core/xlsx_reader.py); an evidence file above WUXING_EVIDENCE_MAX_MB is refused.
WUXING_IMPORT_MAX_BYTES = int(os.environ.get("WUXING_IMPORT_MAX_MB", "10")) * 1024 * 1024
WUXING_EVIDENCE_MAX_BYTES = int(os.environ.get("WUXING_EVIDENCE_MAX_MB", "20")) * 1024 * 1024
WUXING_XLSX_LIMITS = {
    "max_members": 2000,  # parts in the zip
    "max_member_bytes": 50 * 1024 * 1024,  # one part, unpacked
    "max_total_bytes": 100 * 1024 * 1024,  # all parts, unpacked
    "max_ratio": 100,  # unpacked : packed, for parts over 1 MB
    "max_rows": 20000,  # data rows per import
    "max_columns": 200,
    "max_cell_chars": 2000,
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The Beiguan demo accounts may only log in on a demo installation: WUXING_DEMO=1, which `make run` and
# `make dev` set (WUXING_DEMO_LOGIN_ALLOWED is the older name of the same switch). DEBUG has no say.
WUXING_DEMO_LOGIN_ALLOWED = env_bool("WUXING_DEMO", env_bool("WUXING_DEMO_LOGIN_ALLOWED", False))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step at INFO; fontTools logs font subsetting at INFO
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
WUXING_SITE_NAME = _("五星支部创建管理平台")

# A ratings export of more organisations than this runs as a background job with a progress page
# (docs/decisions.md §25); smaller ones download at once.
# 学习培训: how many district central trainings each village/community secretary attends in a year
# (five-star.md §5: "trained centrally twice within a year"; docs/decisions.md §52).
WUXING_CENTRAL_TRAININGS_PER_YEAR = int(os.environ.get("WUXING_CENTRAL_TRAININGS_PER_YEAR", "2"))
WUXING_EXPORT_JOB_ROWS = int(os.environ.get("WUXING_EXPORT_JOB_ROWS", "5000"))
# Activating a rulebook (or editing the active one, or saving a 参数调整) rescores every value of its year
# and kind; above this many values that runs as a background job (docs/decisions.md §40). The Beiguan
# demo (a few thousand values) stays inside the request.
WUXING_RESCORE_JOB_SCORES = int(os.environ.get("WUXING_RESCORE_JOB_SCORES", "20000"))
# A queued or running job that has not reported progress for this long is taken for dead (its process
# ended with a server restart) and marked failed; its page then offers 重试.
WUXING_JOB_STALE_SECONDS = int(os.environ.get("WUXING_JOB_STALE_SECONDS", "900"))

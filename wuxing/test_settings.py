"""Thin test settings over the real ones (same database engine as DATABASE_URL says)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from wuxing.settings import *  # noqa: F403
from wuxing.settings import DATABASES

DEBUG = False
WUXING_DEMO_LOGIN_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 5
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"].pop("init_command", None)

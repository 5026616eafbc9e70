"""Thin test settings over the real ones (same database engine as DATABASE_URL says)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from wuxing.settings import *  # noqa: F403
from wuxing.settings import DATABASES, STORAGES

DEBUG = False
# What the code finds under WUXING_VAR_DIR at run time (the batch commands' locks) goes to a private
# directory per test process, never into the checkout's var/.
VAR_DIR = Path(tempfile.mkdtemp(prefix="wuxing-test-var-"))
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
MEDIA_ROOT = VAR_DIR / "media"
WUXING_DEMO_LOGIN_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 5
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"].pop("init_command", None)

# Background jobs run in the test's own process and transaction (no subprocess against another database).
WUXING_JOBS_INLINE = True

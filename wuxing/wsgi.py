"""The WSGI application (gunicorn: `wuxing.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

from wuxing.core.private_files import private_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuxing.settings")
private_process()  # owner-only files under WUXING_VAR_DIR, before anything creates one
application = get_wsgi_application()

"""The `wuxing` console command: Django's manage.py for this project."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuxing.settings")
    from wuxing.core.private_files import private_process

    private_process()  # owner-only files under WUXING_VAR_DIR, before anything creates one
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

"""The Beiguan demo for the page benchmarks: a fresh SQLite file under bench/out/ (or the database in
DATABASE_URL), migrated and loaded exactly as `make run` does, with the production settings."""

from __future__ import annotations

import os
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def load_demo(name: str) -> None:
    """Set up Django on bench/out/<name>.sqlite3 (recreated) unless DATABASE_URL is set, then migrate and
    load the demo. Call before importing anything from Django or wuxing."""
    OUT.mkdir(exist_ok=True)
    db = OUT / f"{name}.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        db.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["WUXING_DEMO"] = "1"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--quiet-accounts", verbosity=0)

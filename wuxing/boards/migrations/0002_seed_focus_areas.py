"""The focus areas for closing gaps (five-star.md §3), from wuxing/boards/focus_areas.json: data, which
the district may extend; the migration only adds the codes that are missing."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "focus_areas.json"


def seed(apps, schema_editor):
    FocusArea = apps.get_model("boards", "FocusArea")
    existing = set(FocusArea.objects.values_list("code", flat=True))
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        if item["code"] not in existing:
            FocusArea.objects.create(**item)


class Migration(migrations.Migration):
    dependencies = [("boards", "0001_tasks_and_visits")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

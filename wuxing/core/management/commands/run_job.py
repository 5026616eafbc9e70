from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wuxing.core import jobs


class Command(BaseCommand):
    help = "运行一个后台任务（由网页发起，一般不必手工运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        jobs.run(options["job_id"])

from django.apps import AppConfig


class CompetitionConfig(AppConfig):
    name = "wuxing.competition"
    label = "competition"
    verbose_name = "动态竞争与年度目标"

    def ready(self) -> None:
        from wuxing.competition import rules  # noqa: F401  (the permissions)

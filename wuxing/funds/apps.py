from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "wuxing.funds"
    label = "funds"
    verbose_name = "投入保障与奖励"

    def ready(self) -> None:
        from wuxing.funds import rules  # noqa: F401  (the permissions)

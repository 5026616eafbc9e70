from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "wuxing.members"
    label = "members"
    verbose_name = "发展党员"

    def ready(self) -> None:
        from wuxing.members import rules  # noqa: F401  (the permissions)

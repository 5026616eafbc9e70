from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wuxing.core"
    label = "core"

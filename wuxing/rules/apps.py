from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "wuxing.rules"
    label = "starrules"

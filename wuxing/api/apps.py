from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "wuxing.api"
    label = "api"

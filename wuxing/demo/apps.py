from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wuxing.demo"
    label = "demo"

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "wuxing.dashboard"
    label = "dashboard"

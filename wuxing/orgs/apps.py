from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "wuxing.orgs"
    label = "orgs"

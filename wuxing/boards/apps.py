from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "wuxing.boards"
    label = "boards"
    verbose_name = "补齐短板"

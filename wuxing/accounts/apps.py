from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wuxing.accounts"
    label = "accounts"

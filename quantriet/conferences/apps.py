from django.apps import AppConfig


class ConferencesConfig(AppConfig):
    name = "quantriet.conferences"
    label = "conferences"

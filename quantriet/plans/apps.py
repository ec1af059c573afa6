from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "quantriet.plans"
    label = "plans"

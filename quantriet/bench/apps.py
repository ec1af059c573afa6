from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "quantriet.bench"
    label = "bench"

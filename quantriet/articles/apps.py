from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "quantriet.articles"
    label = "articles"

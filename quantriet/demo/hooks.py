"""Calling the other apps' demo loaders (`<app>.demo.load_demo(stdout)`); see the package docstring."""
from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def demo_loaders() -> list[tuple[str, object]]:
    """(app label, load_demo function) for every installed app that has one, in settings order."""
    loaders = []
    for config in apps.get_app_configs():
        if config.name == __package__:
            continue
        if not module_has_submodule(config.module, "demo"):
            continue
        module = import_module(f"{config.name}.demo")
        loader = getattr(module, "load_demo", None)
        if callable(loader):
            loaders.append((config.label, loader))
    return loaders


def run_demo_loaders(stdout) -> list[str]:
    """Call each app's loader with the output stream; returns the labels of the apps called."""
    called = []
    for label, loader in demo_loaders():
        loader(stdout)
        called.append(label)
    return called

"""Hooks that packages contribute, kept on the app (`app.extensions["planguard"]`), not in
module globals: two apps in one process (tests) never share them, and `app.py` is the one
place that fills them (`register_rules`).

Hook lists by name (each a list, in registration order):
- "setup": step() -> line to print, run by `flask setup` after the schema and roles;
- "gate:<target>" / "warning:<target>" / "after:<target>": lifecycle checks and follow-ups
  (see projects.lifecycle);
- "project_check": check(project) -> {field: message} on every project write;
- "demo": hook(project_rows, rng) after the demo projects are seeded.
Single providers by name (`provide`/`provider`), e.g. "cost_variance".
"""
from flask import current_app


class Registry:
    def __init__(self):
        self.hooks: dict[str, list] = {}
        self.providers: dict[str, object] = {}

    def add(self, name: str, hook) -> None:
        hooks = self.hooks.setdefault(name, [])
        if hook not in hooks:
            hooks.append(hook)

    def get(self, name: str) -> list:
        return list(self.hooks.get(name, ()))

    def provide(self, name: str, provider) -> None:
        self.providers[name] = provider

    def provider(self, name: str):
        return self.providers.get(name)


def install(app) -> Registry:
    return app.extensions.setdefault("planguard", Registry())


def registry(app=None) -> Registry:
    """The registry of `app` (the current app by default)."""
    app = app or current_app
    return app.extensions.setdefault("planguard", Registry())


def add(name: str, hook, app=None) -> None:
    registry(app).add(name, hook)


def hooks(name: str) -> list:
    return registry().get(name)

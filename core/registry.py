"""Hooks that packages contribute, kept on the app (`app.extensions["planguard"]`), not in
module globals: two apps in one process (tests) never share them, and `app.py` is the one
place that fills them (`register_rules`).

Hook lists by name (each a list, in registration order):
- "setup": step() -> line to print, run by `flask setup` after the schema and roles;
- "gate:<target>" / "warning:<target>" / "after:<target>": lifecycle checks and follow-ups
  (see projects.lifecycle);
- "project_check": check(project) -> {field: message} on every project write;
- "demo": hook(project_rows, rng) after the demo projects are seeded;
- "workbook_sheet": sheet(writer, project ids) adds a sheet to the compliance workbook.
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

    def remove(self, prefix: str) -> None:
        """Drop every hook list whose name starts with `prefix` (tests: "gate:")."""
        for name in [n for n in self.hooks if n.startswith(prefix)]:
            del self.hooks[name]

    def snapshot(self):
        return ({k: list(v) for k, v in self.hooks.items()}, dict(self.providers))

    def restore(self, saved) -> None:
        self.hooks, self.providers = {k: list(v) for k, v in saved[0].items()}, dict(saved[1])


def install(app) -> Registry:
    return app.extensions.setdefault("planguard", Registry())


def registry(app=None) -> Registry:
    """The registry of `app` (the current app by default)."""
    app = app or current_app
    return app.extensions.setdefault("planguard", Registry())


def add(name: str, hook, app=None) -> None:
    registry(app).add(name, hook)


def hooks(name: str, app=None) -> list:
    return registry(app).get(name)


def provide(name: str, provider, app=None) -> None:
    registry(app).provide(name, provider)


def provider(name: str, app=None):
    return registry(app).provider(name)

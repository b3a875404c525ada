"""How a lower app hears of a higher one without importing it (the layers only point down).

A `Port` has one implementation, which a higher app registers in its AppConfig.ready(); the
lower app calls the port. A system check (core.checks) fails when a port has none.
An `Extension` gathers any number of contributions (a page's extra context, say): the lower
app calls it and merges what the registered functions give."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

PORTS: dict[str, "Port"] = {}


class Port:
    def __init__(self, name: str, doc: str = ""):
        self.name = name
        self.__doc__ = doc
        self.implementation: Callable[..., Any] | None = None
        PORTS[name] = self

    def register(self, implementation: Callable[..., Any]) -> Callable[..., Any]:
        self.implementation = implementation
        return implementation

    def __call__(self, *args, **kwargs):
        if self.implementation is None:
            raise ImproperlyConfigured(f"No implementation is registered for {self.name}.")
        return self.implementation(*args, **kwargs)


class Extension:
    def __init__(self, name: str):
        self.name = name
        self.contributors: list[Callable[..., dict]] = []

    def register(self, contributor: Callable[..., dict]) -> Callable[..., dict]:
        if contributor not in self.contributors:
            self.contributors.append(contributor)
        return contributor

    def collect(self, **kwargs) -> dict:
        """The contributions merged, in the order they were registered."""
        merged: dict = {}
        for contributor in self.contributors:
            merged.update(contributor(**kwargs))
        return merged

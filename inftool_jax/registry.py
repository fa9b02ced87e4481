"""Variants chosen by name: the one registry style of the package.

Every choice a config or a command line makes by name (advantage estimators, loss
aggregations, call formats, synthesis backends, CLI stages, ...) is a :class:`Registry`.
Entries are added where they are defined, with ``@REGISTRY.register("name")`` over the
function or class (so an editor or a static tool jumps from the name to the code), or,
for entries whose module is heavy to import (jax, a server), with
``REGISTRY.lazy("name", "package.module:attribute")``: the import happens on first use.

An unknown name is an :class:`~inftool_jax.errors.InputError` that names the config key
(or the command-line flag) and lists the known names.
"""

from __future__ import annotations

import importlib
from typing import Callable, Generic, Iterator, TypeVar

from inftool_jax.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind; ``key`` is the config key that chooses among them."""

    def __init__(self, kind: str, key: str):
        self.kind = kind
        self.key = key
        self._entries: dict[str, T] = {}
        self._lazy: dict[str, str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: ``@REGISTRY.register("name")`` over the entry's definition."""

        def add(entry: T) -> T:
            self.add(name, entry)
            return entry

        return add

    def add(self, name: str, entry: T) -> None:
        """Register ``entry`` under ``name`` (a later entry under a taken name replaces it)."""
        self._lazy.pop(name, None)
        self._entries[name] = entry

    def lazy(self, name: str, target: str) -> None:
        """Register ``"package.module:attribute"`` under ``name``, imported on first :meth:`get`."""
        if ":" not in target:
            raise ValueError(f"lazy {self.kind} {name!r}: target {target!r} is not 'module:attribute'")
        if name not in self._entries:
            self._lazy[name] = target

    def names(self) -> list[str]:
        """Every registered name, sorted (lazy entries included, without importing them)."""
        return sorted(set(self._entries) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str, *, source: str = "<config>", key: str | None = None) -> T:
        """The entry called ``name``; unknown: an InputError at ``source``/``key`` listing the known names."""
        if isinstance(name, str) and name in self._lazy and name not in self._entries:
            module, attribute = self._lazy.pop(name).split(":")
            self._entries[name] = getattr(importlib.import_module(module), attribute)
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise InputError(
                source, key if key is not None else self.key, f"unknown {self.kind} {name!r} (known: {', '.join(self.names())})"
            ) from None

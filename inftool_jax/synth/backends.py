"""Backend registry: one interface per agent role, implementations chosen by name in the config.

Roles and what a backend for each must provide:

- ``user``: ``say(blueprint, turn_index, messages) -> str`` (the user's message).
- ``assistant``: ``respond(blueprint, step, messages, tools) -> dict`` (one OpenAI
  assistant message: ``content`` and/or ``tool_calls``).
- ``tools``: ``reset(episode_seed)`` then ``call(name, arguments) -> result`` with
  ``.ok``, ``.content``, ``.error`` (the simulator's ToolResult).
- ``judge``: ``judge(episode) -> str | None`` (a rejection reason, or None to keep).

A factory takes a :class:`BackendContext` and returns the backend. Built-in
backends are listed lazily below; a new backend ``NAME`` lives in its own module
``inftool_jax/synth/backend_NAME.py`` which calls :func:`register` at import
time, so adding one needs no edit here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Protocol, TypeVar

from inftool_jax.errors import InputError
from inftool_jax.tools.spec import ToolSpec

ROLES = ("user", "assistant", "tools", "judge")
_T = TypeVar("_T")


@dataclass
class BackendContext:
    """What a backend factory gets: the catalog's tools by name, the synth config and the run seed."""

    tools: dict[str, ToolSpec]
    config: Any  # SynthConfig
    seed: int
    source: str = "<config>"


def config_section(ctx: BackendContext, name: str, cls: type[_T]) -> _T:
    """The synth config's ``name`` section as a ``cls`` (``cls()`` defaults when the config has none)."""
    section = getattr(ctx.config, name, None)
    if section is None:
        return cls()
    return section if isinstance(section, cls) else cls.model_validate(section)  # type: ignore[attr-defined]


def shared_per_run(ctx: BackendContext, attr: str, make: Callable[[], _T]) -> _T:
    """The one ``make()`` of this run: made on first use and kept on the context (as ``attr``) so every role shares it."""
    value = getattr(ctx, attr, None)
    if value is None:
        value = make()
        setattr(ctx, attr, value)
    return value


class UserBackend(Protocol):
    def say(self, blueprint: Any, turn_index: int, messages: list[dict[str, Any]]) -> str: ...


class AssistantBackend(Protocol):
    def respond(self, blueprint: Any, step: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]: ...


class ToolBackend(Protocol):
    def reset(self, episode_seed: int) -> None: ...

    def call(self, name: str, arguments: dict[str, Any]) -> Any: ...


class JudgeBackend(Protocol):
    def judge(self, episode: dict[str, Any]) -> str | None: ...


Factory = Callable[[BackendContext], Any]

_BUILTIN: dict[str, dict[str, str]] = {
    "user": {"programmatic": "inftool_jax.synth.user.user_simulator:make_programmatic_user"},
    "assistant": {"reverse": "inftool_jax.synth.assistant.reverse_assistant:make_reverse_assistant"},
    "tools": {"programmatic": "inftool_jax.world.tool_backend:make_simulated_tools"},
    "judge": {"none": "inftool_jax.synth.backends:_no_judge"},
}
_REGISTERED: dict[str, dict[str, Factory]] = {role: {} for role in ROLES}


def register(role: str, name: str, factory: Factory) -> None:
    """Make ``factory`` the backend ``name`` for ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {ROLES}")
    _REGISTERED[role][name] = factory


def known(role: str) -> list[str]:
    """Backend names available for ``role`` without importing optional modules."""
    return sorted(set(_BUILTIN[role]) | set(_REGISTERED[role]))


def create(role: str, name: str, ctx: BackendContext) -> Any:
    """Build backend ``name`` for ``role``; an unknown name is an InputError naming the config key."""
    if name not in _REGISTERED[role] and name in _BUILTIN[role]:
        module, attr = _BUILTIN[role][name].split(":")
        _REGISTERED[role][name] = getattr(importlib.import_module(module), attr)
    if name not in _REGISTERED[role]:
        try:
            importlib.import_module(f"inftool_jax.synth.backend_{name}")
        except ModuleNotFoundError as err:
            if err.name != f"inftool_jax.synth.backend_{name}":
                raise
    if name not in _REGISTERED[role]:
        raise InputError(ctx.source, f"synth.backends.{role}", f"unknown backend {name!r} (known: {', '.join(known(role))})")
    return _REGISTERED[role][name](ctx)


class _NoJudge:
    """The judge gate switched off: keeps everything."""

    name = "none"

    def judge(self, episode: dict[str, Any]) -> str | None:
        return None


def _no_judge(ctx: BackendContext) -> _NoJudge:
    return _NoJudge()

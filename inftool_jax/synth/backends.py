"""Who plays each synthesis role: one :class:`~inftool_jax.registry.Registry` per role, chosen by name in
``synth.backends.<role>``.

Roles, where their registry lives, and what a backend for each must provide:

- ``user`` (:data:`USER_BACKENDS`, below): the User Simulator; ``say(blueprint, turn_index, messages) -> str``.
- ``assistant`` (:data:`inftool_jax.synth.assistant.ASSISTANT_BACKENDS`): the Tool-Calling Assistant;
  ``respond(blueprint, step, messages, tools) -> dict`` (one OpenAI assistant message: ``content``
  and/or ``tool_calls``).
- ``tools`` (:data:`inftool_jax.synth.server.TOOL_BACKENDS`): the MCP Server agent; ``reset(episode_seed)``,
  optionally ``prepare(stated_calls)``, then ``call(name, arguments) -> result`` with ``.ok``,
  ``.content``, ``.error`` (the simulator's ToolResult).
- ``judge`` (:data:`JUDGE_BACKENDS`, below): the optional judge gate; ``judge(episode) -> str | None``
  (a rejection reason, or None to keep).

An entry is a factory: it takes the run's :class:`BackendContext` and returns the backend. Entries
whose module is heavy (jax, an HTTP client) are registered lazily by their ``"module:attribute"``
path; a new backend is one ``REGISTRY.lazy(...)`` line (or ``@REGISTRY.register`` over a factory
in a module the registry's home imports). The model-backed backends live in ``synth/llm/``; the
programmatic ones beside their agent (``synth/user/``, ``synth/assistant/``, ``world/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, TypeVar

from inftool_jax.registry import Registry
from inftool_jax.synth.assistant import ASSISTANT_BACKENDS
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.server import TOOL_BACKENDS
from inftool_jax.tools.spec import ToolSpec

_T = TypeVar("_T")


@dataclass
class BackendContext:
    """What a backend factory gets: the catalog's tools by name, the synth config and the run seed."""

    tools: dict[str, ToolSpec]
    config: SynthConfig
    seed: int
    source: str = "<config>"
    """The config file, for errors that name a key."""
    shared: dict[str, Any] = field(default_factory=dict)
    """What every role of the run shares (one chat client, one loaded model), by name."""


def shared_per_run(ctx: BackendContext, name: str, make: Callable[[], _T]) -> _T:
    """The one ``make()`` of this run: made on first use and kept on the context so every role shares it."""
    if name not in ctx.shared:
        ctx.shared[name] = make()
    return ctx.shared[name]


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

USER_BACKENDS: Registry[Factory] = Registry("user backend", "synth.backends.user")
"""The User Simulator: ``programmatic`` (templates + values from the plan, deterministic per seed),
``openai`` (a chat model told what to state and what to withhold), ``policy`` (the in-process model)."""
USER_BACKENDS.lazy("programmatic", "inftool_jax.synth.user.user_simulator:make_programmatic_user")
USER_BACKENDS.lazy("openai", "inftool_jax.synth.llm.backend_openai:OpenAIUser")
USER_BACKENDS.lazy("policy", "inftool_jax.synth.llm.backend_policy:PolicyUser")

JUDGE_BACKENDS: Registry[Factory] = Registry("judge backend", "synth.backends.judge")
"""The optional judge gate after verification: ``none`` (off) or ``openai`` (a chat model's verdict)."""
JUDGE_BACKENDS.lazy("openai", "inftool_jax.synth.llm.backend_openai:OpenAIJudge")

REGISTRIES: dict[str, Registry[Factory]] = {
    "user": USER_BACKENDS,
    "assistant": ASSISTANT_BACKENDS,
    "tools": TOOL_BACKENDS,
    "judge": JUDGE_BACKENDS,
}
ROLES = tuple(REGISTRIES)


def create(role: str, name: str, ctx: BackendContext) -> Any:
    """Build backend ``name`` for ``role``; an unknown name is an InputError naming ``synth.backends.<role>``."""
    return REGISTRIES[role].get(name, source=ctx.source)(ctx)


class _NoJudge:
    """The judge gate switched off: keeps everything."""

    name = "none"

    def judge(self, episode: dict[str, Any]) -> str | None:
        return None


@JUDGE_BACKENDS.register("none")
def _no_judge(ctx: BackendContext) -> _NoJudge:
    return _NoJudge()

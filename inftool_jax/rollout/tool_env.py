"""The tool world a rollout acts in: a dataset episode's simulator state, re-created in process.

Synthesis ran every episode against :class:`~inftool_jax.world.simulator.ToolSimulator`
seeded with the run seed, in the world :func:`inftool_jax.world.tool_backend.open_world`
opened for the blueprint's episode seed. :class:`ToolEnvironment` opens the
same world with the same function, driven only by what the episode records
(``meta.blueprint.seed`` and ``.index``, and the calls in its messages), then
replays the ground-truth calls made before the point asked for, so that calls
the policy makes get the same answers the episode's tool messages hold
whenever the calls are the same: that is what the execution gate compares.

Results become chat messages in the OpenAI form (``tool`` role,
``tool_call_id``), which the chat template renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from inftool_jax.calls.call import Call
from inftool_jax.calls.openai_format import parse_openai_tool_calls
from inftool_jax.errors import InputError
from inftool_jax.grading.reward_target import canonical_result
from inftool_jax.world.simulator import EpisodeState, ToolResult, ToolSimulator
from inftool_jax.world import tool_backend
from inftool_jax.world.tool_backend import open_world, pre_existing_ids
from inftool_jax.tools.spec import ToolSpec


def episode_seed(episode: dict[str, Any]) -> tuple[int, int]:
    """``(run seed, episode seed)`` of a synthesized episode (``meta.blueprint``), as synthesis derived them."""
    bp = (episode.get("meta") or {}).get("blueprint") or {}
    seed, index = int(bp.get("seed", 0)), int(bp.get("index", 0))
    return seed, tool_backend.episode_seed(seed, index)


def assistant_calls(message: dict[str, Any]) -> list[Call]:
    """The calls an OpenAI assistant message made (arguments parsed from their JSON strings)."""
    parsed = parse_openai_tool_calls(message.get("tool_calls"))
    return list(parsed.calls) if parsed.ok else []


def episode_calls(episode: dict[str, Any]) -> list[Call]:
    """Every call the episode's assistant messages made, in order."""
    return [c for m in episode.get("messages") or [] if m.get("role") == "assistant" for c in assistant_calls(m)]


@dataclass
class Execution:
    """The policy's calls run against the world: per-call results, in call order."""

    calls: list[Call]
    results: list[ToolResult]

    def canonical_results(self) -> tuple[str, ...]:
        """Each result as the execution gate compares it (JSON with sorted keys)."""
        return tuple(canonical_result(r.to_text()) for r in self.results)


class ToolEnvironment:
    """Simulated tools for rollouts: ``world(episode, message_index)`` then ``execute(world, calls)``."""

    def __init__(self, tools: Iterable[ToolSpec]):
        self.tools = list(tools)
        self.names = {t.name for t in self.tools}
        self._sims: dict[int, ToolSimulator] = {}

    def simulator(self, seed: int) -> ToolSimulator:
        """The simulator of one synthesis run seed (results depend on it)."""
        if seed not in self._sims:
            self._sims[seed] = ToolSimulator(self.tools, seed=seed)
        return self._sims[seed]

    def check_episode(self, episode: dict[str, Any], source: str = "<episode>") -> None:
        """Raise InputError when the episode offers a tool the catalog does not have (its calls could not run)."""
        for i, tool in enumerate(episode.get("tools") or []):
            fn = tool.get("function", tool) if isinstance(tool, dict) else {}
            name = fn.get("name") if isinstance(fn, dict) else None
            if name not in self.names:
                raise InputError(source, f"/tools/{i}", f"tool {name!r} is not in the spec catalog the environment was built from")

    def world(self, episode: dict[str, Any], message_index: int | None = None) -> tuple[ToolSimulator, EpisodeState]:
        """The episode's world just before ``messages[message_index]`` (default: the start).

        The world synthesis opened (:func:`~inftool_jax.world.tool_backend.open_world`:
        the episode seed, the records the user named, found by
        :func:`~inftool_jax.world.tool_backend.pre_existing_ids`), then every
        ground-truth call of an assistant message before ``message_index`` executed
        in order (their results are the episode's own tool messages).
        """
        seed, ep_seed = episode_seed(episode)
        sim = self.simulator(seed)
        state = open_world(sim, ep_seed, pre_existing_ids(sim, ep_seed, episode_calls(episode)))
        messages = episode.get("messages") or []
        stop = len(messages) if message_index is None else message_index
        for message in messages[:stop]:
            if message.get("role") == "assistant":
                for call in assistant_calls(message):
                    sim.call(call.name, call.arguments, state=state)
        return sim, state

    @staticmethod
    def execute(world: tuple[ToolSimulator, EpisodeState], calls: list[Call]) -> Execution:
        """Run ``calls`` in order against ``world`` (mutating its state). Bad calls give tool errors, never raise."""
        sim, state = world
        return Execution(list(calls), [sim.call(c.name, c.arguments, state=state) for c in calls])


def assistant_message(content: str, calls: list[Call], turn: int) -> dict[str, Any]:
    """An OpenAI assistant message for parsed policy output (call ids ``call_{turn}_{i}``)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": f"call_{turn}_{i}", "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(calls)
        ]
    return message


def tool_messages(execution: Execution, turn: int) -> list[dict[str, Any]]:
    """One OpenAI ``tool`` message per executed call, answering ``call_{turn}_{i}``."""
    return [
        {"role": "tool", "tool_call_id": f"call_{turn}_{i}", "name": c.name, "content": r.to_text()}
        for i, (c, r) in enumerate(zip(execution.calls, execution.results))
    ]

"""The tool world a rollout acts in: a dataset episode's simulator state, re-created in process.

Synthesis ran every episode against :class:`~inftool_jax.synth.simulator.ToolSimulator`
seeded with the run seed, reset to the blueprint's episode seed, with the
records the user names by id put in the world first. :class:`ToolEnvironment`
rebuilds exactly that world for any point of an episode (replaying the
ground-truth calls made before it), so that calls the policy makes get the
same answers the episode's tool messages hold whenever the calls are the same:
that is what the execution gate compares.

Results become chat messages in the OpenAI form (``tool`` role,
``tool_call_id``), which the chat template renders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from inftool_jax.calls.call import Call
from inftool_jax.calls.openai_format import parse_openai_tool_calls
from inftool_jax.errors import InputError
from inftool_jax.rl.reward_target import canonical_result
from inftool_jax.synth.simulator import EpisodeState, ToolResult, ToolSimulator
from inftool_jax.tools.spec import ToolSpec

_NEEDS_RECORD = ("read", "update", "cancel", "delete")


def episode_seed(episode: dict[str, Any]) -> tuple[int, int]:
    """``(run seed, episode seed)`` of a synthesized episode (``meta.blueprint``), as synthesis derived them."""
    bp = (episode.get("meta") or {}).get("blueprint") or {}
    seed, index = int(bp.get("seed", 0)), int(bp.get("index", 0))
    return seed, (seed * 1_000_003 + index) & 0x7FFFFFFF


def assistant_calls(message: dict[str, Any]) -> list[Call]:
    """The calls an OpenAI assistant message made (arguments parsed from their JSON strings)."""
    parsed = parse_openai_tool_calls(message.get("tool_calls"))
    return list(parsed.calls) if parsed.ok else []


def _stated_ids(episode: dict[str, Any], sim: ToolSimulator) -> list[tuple[str, Any]]:
    """Records the user refers to by an id no earlier tool result produced: they existed before the episode.

    Synthesis put exactly these in the world before the first turn; an id that
    first appears in a tool result was minted by a call and must not be.
    """
    messages = episode.get("messages") or []
    out, seen_results = [], ""
    for message in messages:
        if message.get("role") == "tool":
            seen_results += str(message.get("content") or "")
            continue
        if message.get("role") != "assistant":
            continue
        for call in assistant_calls(message):
            try:
                op = sim.operation(call.name)
            except KeyError:
                continue
            if op.kind not in _NEEDS_RECORD or not op.id_param or op.id_param not in call.arguments:
                continue
            value = call.arguments[op.id_param]
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                continue
            if json.dumps(value) in seen_results or str(value) in seen_results:
                continue
            out.append((op.resource, value))
    return out


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

        Fresh state for the episode seed, pre-existing records added, then every
        ground-truth call of an assistant message before ``message_index`` executed
        in order (their results are the episode's own tool messages).
        """
        seed, ep_seed = episode_seed(episode)
        sim = self.simulator(seed)
        state = sim.new_state(ep_seed)
        saved, sim.state = sim.state, state
        try:
            for resource, record_id in _stated_ids(episode, sim):
                if str(record_id) not in state.records:
                    sim.add_record(resource, {}, record_id)
        finally:
            sim.state = saved
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

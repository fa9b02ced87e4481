"""Role-play one blueprint into an episode: user, assistant and tools take turns.

The plan fixes the shape (one assistant message per planned step); the
backends fill in the words, the calls and the results. Ground truth is
written per assistant message from the plan, with result references resolved
against the tool results the episode actually produced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from inftool_jax.calls.call import Call
from inftool_jax.calls.openai_format import parse_openai_tool_calls
from inftool_jax.synth.user.argument_values import Spoken
from inftool_jax.synth.blueprint import Blueprint, PlannedCall, ResultRef, Step, episode_id
from inftool_jax.synth.config import SynthConfig
from inftool_jax.tools.spec import ToolSpec

EXECUTION_CATEGORIES = ("multi_step", "multi_turn")


class EpisodeFailed(Exception):
    """The episode could not be produced; ``gate`` and ``detail`` go into the rejection record."""

    def __init__(self, gate: str, detail: str):
        super().__init__(f"{gate}: {detail}")
        self.gate = gate
        self.detail = detail


@dataclass
class ResolvedStep:
    """A planned step with concrete calls (result references filled in).

    A model backend must decide from the messages and tools alone; only the
    reverse assistant reads ``calls``.
    """

    kind: str
    calls: list[Call] = field(default_factory=list)
    ask: str = ""
    tool: str = ""


def _find_field(value: Any, key: str) -> Any:
    """The first scalar under ``key`` in a JSON value, depth first; None when absent."""
    if isinstance(value, dict):
        if key in value and isinstance(value[key], (str, int, float)) and not isinstance(value[key], bool):
            return value[key]
        for sub in value.values():
            found = _find_field(sub, key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for sub in value:
            found = _find_field(sub, key)
            if found is not None:
                return found
    return None


def resolve_ref(ref: ResultRef, messages: list[dict[str, Any]]) -> Any:
    """The value of ``ref.key`` in the latest earlier result of ``ref.from_tool`` (then of any tool)."""
    tool_msgs = [m for m in reversed(messages) if m.get("role") == "tool"]
    for wanted in (ref.from_tool, None):
        for msg in tool_msgs:
            if wanted is not None and msg.get("name") != wanted:
                continue
            try:
                data = json.loads(msg.get("content") or "null")
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict) and "error" in data:
                continue
            found = _find_field(data, ref.key)
            if found is not None:
                return found
    raise EpisodeFailed("execution", f"no earlier tool result carries {ref.key!r} (needed by a call after {ref.from_tool})")


def _concrete(call: PlannedCall, messages: list[dict[str, Any]]) -> tuple[Call, dict[str, list[Any]]]:
    """The call with values filled in, and its ground-truth arguments (acceptable values per parameter)."""
    args: dict[str, Any] = {}
    truth: dict[str, list[Any]] = {}
    for name, value in call.args.items():
        if isinstance(value, ResultRef):
            resolved = resolve_ref(value, messages)
            args[name] = resolved
            truth[name] = [resolved]
        else:
            args[name] = value.value
            truth[name] = list(value.alternatives)
    for name, alts in call.omitted.items():
        truth[name] = list(alts)
    return Call(call.tool, args), truth


def stated_calls(blueprint: Blueprint) -> list[Call]:
    """Every planned call with only user-stated values (result references left out)."""
    out = []
    for turn in blueprint.turns:
        for call in turn.describes:
            out.append(Call(call.tool, {k: v.value for k, v in call.args.items() if isinstance(v, Spoken)}))
    return out


def tool_message(call_id: str, name: str, result: Any) -> dict[str, Any]:
    """An OpenAI ``tool`` message for a simulator result (ok or error)."""
    if hasattr(result, "to_text"):
        content = result.to_text()
    else:
        content = result.content if isinstance(result.content, str) else json.dumps(result.content, ensure_ascii=False)
    return {"role": "tool", "tool_call_id": call_id, "name": name, "content": content}


class EpisodeRunner:
    """Runs blueprints through the three role backends; not thread-safe (backends keep
    per-episode state): a concurrent run gives each worker thread its own runner."""

    def __init__(self, tools: dict[str, ToolSpec], config: SynthConfig, user: Any, assistant: Any, tool_backend: Any):
        self.tools = tools
        self.config = config
        self.user = user
        self.assistant = assistant
        self.tool_backend = tool_backend
        self._openai = {name: spec.to_openai() for name, spec in tools.items()}
        self.backend_names = {
            "user": getattr(user, "name", config.backends.user),
            "assistant": getattr(assistant, "name", config.backends.assistant),
            "tools": getattr(tool_backend, "name", config.backends.tools),
        }

    def _resolve(self, step: Step, turn_withheld: str, describes: list[PlannedCall], messages) -> tuple[ResolvedStep, dict[str, Any]]:
        if step.kind == "call":
            calls, truths = [], []
            for planned in step.calls:
                call, truth = _concrete(planned, messages)
                calls.append(call)
                truths.append({"name": call.name, "arguments": truth})
            return ResolvedStep("call", calls), {"decision": "call", "calls": truths}
        if step.kind == "clarify":
            return ResolvedStep("clarify", ask=step.ask, tool=describes[0].tool), {"decision": "clarify", "calls": []}
        return ResolvedStep(step.kind), {"decision": "no_call", "calls": []}

    def run(self, blueprint: Blueprint, iteration: int = 0) -> dict[str, Any]:
        """The episode for ``blueprint``; raises :class:`EpisodeFailed` when it cannot be produced."""
        tools = [self._openai[n] for n in blueprint.offered]
        messages: list[dict[str, Any]] = []
        if self.config.system_prompt:
            messages.append({"role": "system", "content": self.config.system_prompt})
        truth: list[dict[str, Any]] = []
        tool_errors: list[dict[str, Any]] = []
        self.tool_backend.reset(blueprint.episode_seed)
        if hasattr(self.tool_backend, "prepare"):
            self.tool_backend.prepare(stated_calls(blueprint))
        execution = blueprint.category in EXECUTION_CATEGORIES
        for t_index, turn in enumerate(blueprint.turns):
            messages.append({"role": "user", "content": self.user.say(blueprint, t_index, messages)})
            for step in turn.steps:
                resolved, gt = self._resolve(step, turn.withheld, turn.describes, messages)
                message = self.assistant.respond(blueprint, resolved, messages, tools)
                gt_turn = {"message_index": len(messages), **gt}
                if execution:
                    gt_turn["execution"] = True
                truth.append(gt_turn)
                messages.append(message)
                parsed = parse_openai_tool_calls(message.get("tool_calls"))
                for entry, call in zip(message.get("tool_calls") or [], parsed.calls):
                    result = self.tool_backend.call(call.name, call.arguments)
                    messages.append(tool_message(entry.get("id", ""), call.name, result))
                    if not result.ok:
                        tool_errors.append({"message_index": len(messages) - 1, "tool": call.name, "error": str(result.error)[:300]})
        return {
            "id": episode_id(blueprint.seed, blueprint.index),
            "tools": tools,
            "messages": messages,
            "ground_truth": truth,
            "meta": {
                "category": blueprint.category,
                "blueprint": {
                    "index": blueprint.index,
                    "seed": blueprint.seed,
                    "persona": blueprint.persona,
                    "offered": list(blueprint.offered),
                    "turns": [t.kind for t in blueprint.turns],
                    "tools_offered": len(blueprint.offered),
                },
                "iteration": iteration,
                "backends": dict(self.backend_names),
                "tool_errors": tool_errors,
                # What the OpenAI tool schemas cannot carry, so an evaluation can rebuild the same tool
                # world from the episodes alone (`inftool eval synthetic` without a config).
                "tool_responses": {n: self.tools[n].response for n in blueprint.offered if self.tools[n].response},
            },
        }

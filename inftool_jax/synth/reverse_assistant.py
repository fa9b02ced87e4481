"""The reverse-synthesis Assistant: says exactly what the ground-truth plan says.

Call steps become ``tool_calls`` with the plan's (resolved) arguments;
clarify steps ask for the withheld parameter; no_call steps decline and say
what the offered tools can do; answer steps summarise the tool results of the
current user turn, quoting their values so the prose is grounded in them.
"""

from __future__ import annotations

import json
import random
from typing import Any

from inftool_jax.calls.openai_format import to_openai_tool_calls
from inftool_jax.synth.argument_values import humanize, join_words
from inftool_jax.synth.user_simulator import action_phrases
from inftool_jax.tools.spec import ToolSpec

_CLARIFY = [
    "To {action}, I need the {param}. What should it be?",
    "Could you tell me the {param}?",
    "Sure - which {param} should I use?",
    "I can do that, but I'm missing the {param}. Can you provide it?",
    "Before I {action}, could you tell me the {param}?",
    "What {param} would you like me to use?",
]
_DECLINE = [
    "Sorry, I can't help with that using the tools I have. I can {abilities}.",
    "None of my available tools can do that. I'm able to {abilities}.",
    "That's outside what my tools support; they let me {abilities}.",
    "I'm unable to do that with the tools available here. I can {abilities}, if that helps.",
]


def _scalar_summary(value: Any, limit: int = 5) -> str:
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if isinstance(v, bool):
                parts.append(f"{humanize(k)} {json.dumps(v)}")
            elif isinstance(v, (str, int, float)):
                parts.append(f"{humanize(k)} {v}")
            elif isinstance(v, list):
                parts.append(f"{len(v)} {humanize(k)}")
            if len(parts) >= limit:
                break
        return ", ".join(parts) if parts else "no details"
    if isinstance(value, list):
        return f"{len(value)} results" + (f"; the first has {_scalar_summary(value[0], 3)}" if value and isinstance(value[0], dict) else "")
    return str(value)


def summarize_results(messages: list[dict[str, Any]]) -> str:
    """Prose over the tool results since the last user message, quoting their values."""
    results = []
    for msg in reversed(messages):
        if msg.get("role") == "user":
            break
        if msg.get("role") == "tool":
            results.append(msg)
    results.reverse()
    if not results:
        return "Done."
    lines = []
    for msg in results:
        name = humanize(msg.get("name", "tool"))
        try:
            data = json.loads(msg.get("content") or "null")
        except json.JSONDecodeError:
            data = msg.get("content")
        if isinstance(data, dict) and "error" in data and len(data) <= 2:
            lines.append(f"The {name} request failed: {data['error']}.")
        else:
            lines.append(f"{name[:1].upper() + name[1:]}: {_scalar_summary(data)}.")
    return " ".join(lines)


class ReverseAssistant:
    """Plays the ground-truth plan; deterministic for (run seed, blueprint index, message index)."""

    name = "reverse"

    def __init__(self, tools: dict[str, ToolSpec]):
        self.tools = tools

    def respond(self, blueprint, step, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        """One assistant message for ``step`` (a roleplay.ResolvedStep)."""
        rng = random.Random(f"assistant:{blueprint.seed}:{blueprint.index}:{len(messages)}")
        if step.kind == "call":
            return {
                "role": "assistant",
                "content": "",
                "tool_calls": to_openai_tool_calls(step.calls, id_prefix=f"call_{len(messages)}_"),
            }
        if step.kind == "clarify":
            tool = self.tools[step.tool]
            action = action_phrases(tool)[-1]
            text = rng.choice(_CLARIFY).format(action=action, param=humanize(step.ask))
            return {"role": "assistant", "content": text}
        if step.kind == "no_call":
            abilities = join_words([action_phrases(self.tools[n])[-1] for n in blueprint.offered[:4] if n in self.tools])
            return {"role": "assistant", "content": rng.choice(_DECLINE).format(abilities=abilities or "answer questions")}
        return {"role": "assistant", "content": summarize_results(messages)}


def make_reverse_assistant(ctx) -> ReverseAssistant:
    """Backend factory (see backends.py)."""
    return ReverseAssistant(ctx.tools)

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
from inftool_jax.synth.user.argument_values import humanize, join_words
from inftool_jax.world.tool_operations import singular_word
from inftool_jax.synth.user.user_simulator import action_phrases
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


def _count(n: int, key: str) -> str:
    """``(1, "flights")`` -> ``"1 flight"``; ``(2, "flights")`` -> ``"2 flights"``; ``(0, ...)`` -> ``"no flights"``."""
    words = humanize(key).split() or ["results"]
    plural = " ".join(words)
    if n == 0:
        return f"no {plural}"
    if n == 1:
        return f"1 {' '.join(words[:-1] + [singular_word(words[-1])])}"
    return f"{n} {plural}"


def _is_amount(value: dict[str, Any]) -> bool:
    """A small object with a number in it and nothing nested: ``{"amount": 207.01, "currency": "USD"}``."""
    scalars = [x for x in value.values() if isinstance(x, (str, int, float)) and not isinstance(x, bool)]
    return 0 < len(value) <= 3 and len(scalars) == len(value) and any(not isinstance(x, str) for x in scalars)


def _fields(value: dict[str, Any], limit: int) -> list[str]:
    """Up to ``limit`` of a result's scalar fields as words: ``"airline United"``, ``"deleted: yes"``."""
    parts = []
    for key, v in value.items():
        if isinstance(v, bool):
            parts.append(f"{humanize(key)}: {'yes' if v else 'no'}")
        elif isinstance(v, (str, int, float)):
            parts.append(f"{humanize(key)} {v}")
        elif isinstance(v, dict) and _is_amount(v):
            parts.append(f"{humanize(key)} {' '.join(str(x) for x in v.values())}")  # price {amount, currency}: "price 207.01 USD"
        if len(parts) >= limit:
            break
    return parts


def _found(n: int, key: str, items: list[Any], extras: list[str] = ()) -> str:
    """``"found 2 flights (total 2); the first has flight id fli_9IUU6 and airline United"``."""
    text = f"found {_count(n, key)}"
    if extras:
        text += f" ({join_words(list(extras))})"
    first = items[0] if items and isinstance(items[0], dict) else None
    details = _fields(first, 3) if first is not None else []
    if details:
        text += (": " if n == 1 else "; the first has ") + join_words(details)
    return text


def _describe(data: Any) -> str:
    """A result in words, quoting its values (so the answer is grounded in them)."""
    if isinstance(data, list):
        return _found(len(data), "results", data)
    if not isinstance(data, dict):
        return str(data)
    lists = [(k, v) for k, v in data.items() if isinstance(v, list)]
    if lists:
        key, items = lists[0]
        extras = [_count(len(v), k) for k, v in lists[1:]] + _fields(data, 2)
        return _found(len(items), key, items, extras)
    parts = _fields(data, 5)
    return join_words(parts) if parts else "done, with no details returned"


def _error_text(data: dict[str, Any]) -> str:
    err = data.get("error")
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        return err["message"]
    return str(err)


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
            lines.append(f"The {name} request failed: {_error_text(data)}.")
        else:
            lines.append(f"{name[:1].upper() + name[1:]}: {_describe(data)}.")
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

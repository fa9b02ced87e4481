"""The Episode contract: one JSONL line of the dataset (DESIGN.md §3).

An episode is a plain dict, so that TRL, LLaMA-Factory, axolotl and
``datasets.load_dataset("json", ...)`` read it as it is::

    {
      "id": "s0-000042",
      "tools": [OpenAI tool schemas: {"type": "function", "function": {name, description, parameters}}],
      "messages": [OpenAI chat messages: system?, user, assistant (content and/or tool_calls),
                   tool (tool_call_id, name, content), ...],
      "ground_truth": [one GroundTruthTurn per assistant message, in order],
      "meta": {"category", "blueprint", "iteration", "backends", "verification", ...}
    }

A GroundTruthTurn says what the assistant should do at that point::

    {
      "message_index": 3,            # index into "messages" of the assistant message it grades
      "decision": "call" | "no_call" | "clarify",
      "calls": [{"name": "get_weather",
                 "arguments": {"city": ["NYC", "New York City"], "unit": ["celsius", ""]}}],
      "execution": true              # multi-step / multi-turn: outcomes are scored by re-execution
    }

``arguments`` maps each parameter to its acceptable values, BFCL style: ``""``
among them means the parameter may be left out. ``decision`` is ``"no_call"``
when no offered tool fits (answer in prose) and ``"clarify"`` when a required
value is missing (ask, do not call); both have ``calls == []``.

The tool world (what the execution gate and agentic rollouts re-run calls in)
is rebuilt from the episode alone, by the same function synthesis opened it
with (``synth/tool_backend.open_world``): ``meta.blueprint.seed`` is the
simulator's run seed, ``meta.blueprint.index`` gives the episode seed
(``Blueprint.episode_seed``), and the records that existed before the episode
are the ids its assistant calls look up that no earlier tool result had shown
(``tool_backend.pre_existing_ids``). So ``messages`` (with ``tool_calls``
arguments as JSON strings and the tool results as text), ``meta.blueprint.seed``
and ``meta.blueprint.index`` must be kept as written for the world to be
rebuilt; this holds for episodes whose ``meta.backends.tools`` is
``"programmatic"`` (an LLM-simulated tool's answers cannot be re-run).
"""

from __future__ import annotations

from typing import Any

DECISIONS = ("call", "no_call", "clarify")


def turn_to_bfcl_answer(turn: dict[str, Any]) -> list[dict[str, dict[str, list[Any]]]]:
    """A ground-truth turn in BFCL ``possible_answer`` form: ``[{name: {param: [values]}}]``."""
    return [{call["name"]: dict(call["arguments"])} for call in turn.get("calls", [])]


def bfcl_answer_to_calls(answer: list[dict[str, dict[str, list[Any]]]]) -> list[dict[str, Any]]:
    """The inverse of :func:`turn_to_bfcl_answer` for the ``calls`` field."""
    calls = []
    for entry in answer:
        ((name, arguments),) = entry.items()
        calls.append({"name": name, "arguments": dict(arguments)})
    return calls

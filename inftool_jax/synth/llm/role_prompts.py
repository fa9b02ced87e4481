"""Prompts for LLM-played agent roles: User Simulator, Assistant, tool responder and judge.

Each builder returns OpenAI chat ``messages`` for one request. The User Simulator is told
exactly which values to state (verbatim, so the grounding gate finds them) and which to
withhold; the tool responder sees the call, the tool's schemas and the episode's earlier
calls and results, so ids and records stay consistent across a chain.
"""

from __future__ import annotations

import json
from typing import Any

from inftool_jax.synth.user.argument_values import Spoken, humanize
from inftool_jax.synth.blueprint import Blueprint, PlannedCall, ResultRef
from inftool_jax.synth.user.personas import PERSONAS
from inftool_jax.tools.spec import ToolSpec

USER_SYSTEM = """You role-play a human user talking to an AI assistant that can use tools.
Persona: {persona}.
Write only the user's next message: natural, in the persona's voice, one short paragraph.
Never mention tools, functions, APIs, JSON or parameters by their technical names.
When you are given values, write each one exactly as given (same spelling, digits and format)."""

ASSISTANT_SYSTEM = """You are a helpful assistant that can call tools.
Call a tool only when the user's request needs it, with arguments taken from the conversation.
If a required value is missing, ask the user for it instead of guessing.
If no tool fits the request, say so briefly and do not call any tool.
After tool results arrive, answer the user using the values in those results."""

TOOL_SYSTEM = """You are the server behind the API operation `{name}`.
Description: {description}
Parameters (JSON Schema): {parameters}
Response (JSON Schema): {response}
Answer each call with exactly one JSON value that conforms to the response schema - no prose,
no code fences. Invent realistic values, but stay consistent with the earlier calls and
results of this session: an id returned before refers to the same record, and updates
made before are visible. If the call refers to a record that does not exist in this session
and was not named by the user, answer {{"error": {{"code": 404, "message": "not found"}}}}."""

JUDGE_SYSTEM = """You review a conversation between a user and a tool-using AI assistant.
Decide whether the assistant behaved correctly: it called the right tools with arguments the
user actually gave (or that earlier tool results provided), asked when a required value was
missing, declined when no tool fits, and answered faithfully to the tool results.
Reply with one JSON object: {"verdict": "keep" or "reject", "reason": "<one sentence>"}."""


def _persona_text(name: str) -> str:
    persona = PERSONAS.get(name)
    if persona is None:
        return name.replace("_", " ")
    example = persona.asks[0].replace("{action}", "do X").replace("{Action}", "Do X")
    return f"{name.replace('_', ' ')} (for example they might write: \"{example}\")"


def _describe_call(call: PlannedCall, tools: dict[str, ToolSpec], skip: str = "") -> str:
    tool = tools.get(call.tool)
    what = (tool.description or humanize(call.tool)) if tool else humanize(call.tool)
    lines = [f"- You want to: {what.strip().splitlines()[0][:200]}"]
    for name, value in call.args.items():
        if name == skip:
            continue
        if isinstance(value, ResultRef):
            lines.append(f"    {humanize(name)}: the {humanize(value.key)} that the earlier step returns (do not invent it)")
        elif isinstance(value, Spoken):
            lines.append(f"    {humanize(name)}: {value.text}")
    return "\n".join(lines)


def user_task(blueprint: Blueprint, turn_index: int, tools: dict[str, ToolSpec]) -> str:
    """What the user's message for ``turn_index`` must say."""
    turn = blueprint.turns[turn_index]
    if turn.kind == "answer_clarification":
        value = turn.describes[0].args[turn.withheld]
        text = value.text if isinstance(value, Spoken) else str(value)
        return f"The assistant asked you for the {humanize(turn.withheld)}. Answer it: the {humanize(turn.withheld)} is {text}."
    if turn.kind == "unserved":
        if turn.unserved_call is not None:
            return "Ask the assistant for this:\n" + _describe_call(turn.unserved_call, tools)
        return f"Say this to the assistant, in your own words: {turn.unserved_text}"
    if turn.kind == "clarify_request":
        return (
            "Ask the assistant for this, but do NOT mention the "
            f"{humanize(turn.withheld)} (you forgot it):\n" + _describe_call(turn.describes[0], tools, skip=turn.withheld)
        )
    body = "\n".join(_describe_call(c, tools) for c in turn.describes)
    if len(turn.steps) > 2:
        body += "\nAsk for these in this order: the second needs the result of the first."
    lead = "Now, as a follow-up in the same conversation, ask" if turn.kind == "followup" else "Ask"
    return f"{lead} the assistant for all of the following in one message, stating every value:\n{body}"


def _transcript(messages: list[dict[str, Any]]) -> str:
    lines = []
    for m in messages:
        role = m.get("role")
        if role == "user":
            lines.append(f"You: {m.get('content') or ''}")
        elif role == "assistant" and (m.get("content") or "").strip():
            lines.append(f"Assistant: {m['content']}")
    return "\n".join(lines[-8:])


def user_messages(blueprint: Blueprint, turn_index: int, messages: list[dict[str, Any]], tools: dict[str, ToolSpec]) -> list[dict[str, Any]]:
    """The request that makes an LLM write the user's message for ``turn_index``."""
    prompt = user_task(blueprint, turn_index, tools)
    history = _transcript(messages)
    if history:
        prompt = f"The conversation so far:\n{history}\n\n{prompt}"
    return [
        {"role": "system", "content": USER_SYSTEM.format(persona=_persona_text(blueprint.persona))},
        {"role": "user", "content": prompt + "\n\nWrite the user's message now."},
    ]


def assistant_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as the assistant sees it (the role's system prompt when the episode has none)."""
    if messages and messages[0].get("role") == "system":
        return list(messages)
    return [{"role": "system", "content": ASSISTANT_SYSTEM}, *messages]


def tool_messages(spec: ToolSpec, arguments: dict[str, Any], history: list[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
    """The request that makes an LLM answer a call of ``spec``; ``history`` holds (tool, arguments, result) so far."""
    system = TOOL_SYSTEM.format(
        name=spec.name,
        description=(spec.description or "").strip()[:1000] or "(none)",
        parameters=json.dumps(spec.parameters, ensure_ascii=False)[:4000],
        response=json.dumps(spec.response, ensure_ascii=False)[:4000] if spec.response else "(not given: return a JSON object describing the outcome)",
    )
    out: list[dict[str, Any]] = [{"role": "system", "content": system}]
    if history:
        lines = [f"{name}({json.dumps(args, ensure_ascii=False)}) -> {result[:600]}" for name, args, result in history[-12:]]
        out.append({"role": "user", "content": "Earlier calls in this session:\n" + "\n".join(lines)})
        out.append({"role": "assistant", "content": "Noted. I will stay consistent with them."})
    out.append({"role": "user", "content": f"Call: {spec.name}({json.dumps(arguments, ensure_ascii=False)})"})
    return out


def judge_messages(episode: dict[str, Any]) -> list[dict[str, Any]]:
    """The request that makes an LLM judge a finished episode."""
    names = [t.get("function", {}).get("name") for t in episode.get("tools", [])]
    lines = []
    for m in episode.get("messages", []):
        role = m.get("role")
        if role == "system":
            continue
        if role == "assistant" and m.get("tool_calls"):
            calls = [f"{(c.get('function') or {}).get('name')}({(c.get('function') or {}).get('arguments')})" for c in m["tool_calls"] if isinstance(c, dict)]
            lines.append(f"ASSISTANT calls: {'; '.join(calls)}")
        else:
            lines.append(f"{str(role).upper()}: {str(m.get('content') or '')[:800]}")
    body = f"Offered tools: {', '.join(str(n) for n in names)}\n\n" + "\n".join(lines)
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": body}]

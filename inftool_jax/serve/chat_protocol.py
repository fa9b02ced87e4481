"""The OpenAI chat-completions wire format: read a request body, write a response (no HTTP, no jax).

Requests are checked field by field; a bad one raises :class:`RequestError` naming the
parameter, which the server answers with a 400 in OpenAI's error shape. Fields this
server does not use (``user``, ``frequency_penalty``, ``stream_options``, ...) are ignored,
as other OpenAI-compatible servers do. The assistant's text is read as Qwen/Hermes
``<tool_call>`` blocks: calls become ``tool_calls`` with finish reason ``tool_calls``;
text that tries to call but cannot be read is returned as content (the client decides).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from inftool_jax.calls.hermes import parse_hermes
from inftool_jax.calls.openai_format import to_openai_tool_calls

MAX_N = 8
MAX_STOP = 4


class RequestError(Exception):
    """A request the server will not run; ``param`` is the offending field (may be None)."""

    def __init__(self, message: str, param: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": "invalid_request_error", "param": self.param, "code": None}}


@dataclass
class ChatRequest:
    """What the server needs from a chat-completions body."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 256
    stop: list[str] = field(default_factory=list)
    n: int = 1
    seed: int | None = None
    stream: bool = False


def _number(body: dict[str, Any], name: str, default: float, low: float, high: float, low_open: bool = False) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{name} must be a number", name)
    if value < low or value > high or (low_open and value == low):
        raise RequestError(f"{name} must be within {'(' if low_open else '['}{low}, {high}], got {value}", name)
    return float(value)


def _integer(body: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{name} must be an integer", name)
    if not low <= value <= high:
        raise RequestError(f"{name} must be within [{low}, {high}], got {value}", name)
    return value


def read_request(body: Any, max_tokens_limit: int, default_max_tokens: int = 256) -> ChatRequest:
    """A :class:`ChatRequest` from a decoded JSON body; raises :class:`RequestError`."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("messages must be a non-empty list", "messages")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise RequestError(f"messages[{i}] must be an object with a string role", "messages")
        if isinstance(m.get("content"), list):  # content parts: keep the text ones
            m["content"] = "".join(p.get("text", "") for p in m["content"] if isinstance(p, dict) and p.get("type") == "text")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise RequestError("tools must be a list", "tools")
        for i, t in enumerate(tools):
            fn = t.get("function") if isinstance(t, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or t.get("type", "function") != "function":
                raise RequestError(f"tools[{i}] must be {{'type': 'function', 'function': {{'name', ...}}}}", "tools")
    if body.get("tool_choice") == "none":
        tools = None
    stop = body.get("stop")
    if stop is None:
        stop = []
    elif isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or len(stop) > MAX_STOP or not all(isinstance(s, str) and s for s in stop):
        raise RequestError(f"stop must be a non-empty string or a list of at most {MAX_STOP} of them", "stop")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("stream must be a boolean", "stream")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    return ChatRequest(
        messages=messages,
        tools=tools or None,
        temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0, low_open=True),
        max_tokens=_integer({name: max_tokens}, name, min(default_max_tokens, max_tokens_limit), 1, max_tokens_limit),
        stop=stop,
        n=_integer(body, "n", 1, 1, MAX_N),
        seed=_integer(body, "seed", None, -(2**63), 2**63 - 1),
        stream=stream,
    )


@dataclass
class Completion:
    """One generated completion: its text, token count and whether it hit the length limit."""

    text: str
    tokens: int
    length_limited: bool


def assistant_message(text: str) -> tuple[dict[str, Any], str]:
    """``(message, finish_reason)`` for model text: ``<tool_call>`` blocks become ``tool_calls``."""
    parsed = parse_hermes(text)
    if parsed.ok and parsed.calls:
        calls = to_openai_tool_calls(parsed.calls, id_prefix=f"call_{uuid.uuid4().hex[:16]}_")
        return {"role": "assistant", "content": parsed.content or None, "tool_calls": calls}, "tool_calls"
    return {"role": "assistant", "content": text}, "stop"


def completion_body(model: str, completions: list[Completion], prompt_tokens: int) -> dict[str, Any]:
    """A ``chat.completion`` object for ``completions`` (one choice each)."""
    choices = []
    for i, c in enumerate(completions):
        message, finish = assistant_message(c.text)
        choices.append({"index": i, "message": message, "finish_reason": "length" if c.length_limited and finish == "stop" else finish, "logprobs": None})
    used = sum(c.tokens for c in completions)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": used, "total_tokens": prompt_tokens + used},
    }


def stream_events(body: dict[str, Any]) -> list[str]:
    """The SSE ``data:`` payloads of a finished completion, as ``chat.completion.chunk`` objects.

    Generation is not incremental here, so each choice arrives as one role delta, one
    content/tool-calls delta and a final chunk with its finish reason; then ``[DONE]``.
    """
    head = {"id": body["id"], "object": "chat.completion.chunk", "created": body["created"], "model": body["model"]}
    events = []
    for choice in body["choices"]:
        i, message = choice["index"], choice["message"]
        events.append({**head, "choices": [{"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
        delta: dict[str, Any] = {}
        if message.get("content"):
            delta["content"] = message["content"]
        if message.get("tool_calls"):
            delta["tool_calls"] = [{"index": k, **call} for k, call in enumerate(message["tool_calls"])]
        if delta:
            events.append({**head, "choices": [{"index": i, "delta": delta, "finish_reason": None}]})
        events.append({**head, "choices": [{"index": i, "delta": {}, "finish_reason": choice["finish_reason"]}]})
    events.append({**head, "choices": [], "usage": body["usage"]})
    return [json.dumps(e, ensure_ascii=False) for e in events] + ["[DONE]"]

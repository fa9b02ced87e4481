"""A model-free OpenAI-compatible chat endpoint whose replies come from a Python function.

For tests and benchmarks that need a fast, deterministic upstream (e.g. behind the fault
proxy): ``scripted_chat_app(reply)`` answers ``POST /v1/chat/completions`` with the
assistant message ``reply(body)`` returns, in the real response envelope, and counts
the requests it served.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Reply = Callable[[dict[str, Any]], dict[str, Any]]


def echo_reply(body: dict[str, Any]) -> dict[str, Any]:
    """The default reply: the last user message's text back, as assistant content."""
    last = next((m for m in reversed(body.get("messages") or []) if isinstance(m, dict) and m.get("role") == "user"), {})
    return {"role": "assistant", "content": str(last.get("content") or "")}


def scripted_chat_app(reply: Reply = echo_reply, model: str = "scripted") -> Starlette:
    """The app; ``app.state.requests`` counts the completions it served."""

    async def chat(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError:
            return JSONResponse({"error": {"message": "not JSON", "type": "invalid_request_error"}}, status_code=400)
        app.state.requests += 1
        message = reply(body)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", model),
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "requests": app.state.requests})

    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/health", health)])
    app.state.requests = 0
    return app

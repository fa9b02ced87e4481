"""An OpenAI-compatible chat server over the in-JAX sampler (`inftool serve openai`).

Routes: ``POST /v1/chat/completions`` (messages, tools, temperature, top_p, max_tokens,
stop, n, seed, ``stream``), ``GET /v1/models``, ``GET /health``. Prompts are built with the
model folder's chat template; replies are read from the Qwen ``<tool_call>`` format into
``tool_calls`` (see :mod:`inftool_jax.serve.chat_protocol`). Generation runs on one worker
thread that batches concurrent requests (:mod:`inftool_jax.serve.generation_queue`).
Starlette + uvicorn (installed with ``mcp``) carry the HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from inftool_jax.errors import InputError
from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.serve.chat_protocol import RequestError, completion_body, read_request, stream_events
from inftool_jax.serve.generation_queue import GenerationQueue


class ChatEngine:
    """Turns chat requests into sampler jobs and their results into chat completions."""

    def __init__(self, sampler: Any, tokenizer: Any, model_name: str, max_batch: int = 8, max_tokens_limit: int = 2048, default_max_tokens: int = 256):
        self.tokenizer = tokenizer
        self.model_name = model_name
        self.max_positions = int(sampler.model.hf_config.get("max_position_embeddings") or 1 << 30)
        self.max_tokens_limit = max_tokens_limit
        self.default_max_tokens = default_max_tokens
        self.queue = GenerationQueue(sampler, max_batch=max_batch)
        self.created = int(time.time())
        self.requests = 0

    def close(self) -> None:
        self.queue.close()

    async def complete(self, body: Any) -> dict[str, Any]:
        from inftool_jax.model.episode_tokens import tokenize_prompt

        request = read_request(body, self.max_tokens_limit, self.default_max_tokens)
        try:
            prompt = tokenize_prompt(self.tokenizer, request.tools, request.messages)
        except InputError as err:
            raise RequestError(f"{err.pointer}: {err.problem}" if err.pointer else err.problem, "messages") from None
        except Exception as err:  # the chat template itself may reject a conversation (jinja raise_exception)
            raise RequestError(f"the chat template cannot render these messages: {err}"[:500], "messages") from None
        if len(prompt) + request.max_tokens > self.max_positions:
            raise RequestError(
                f"prompt ({len(prompt)} tokens) plus max_tokens ({request.max_tokens}) exceeds the model's "
                f"context of {self.max_positions} tokens",
                "max_tokens",
            )
        sampling = SamplingConfig(
            max_new_tokens=request.max_tokens,
            temperature=request.temperature,
            top_p=request.top_p,
            stop_strings=request.stop,
            num_samples=request.n,
        )
        self.requests += 1
        completions = await asyncio.wrap_future(self.queue.submit(prompt, sampling, request.seed))
        return completion_body(self.model_name, completions, len(prompt))


def _error(err: RequestError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status)


def build_app(engine: ChatEngine) -> Starlette:
    """The ASGI app over ``engine``."""

    async def chat_completions(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return _error(RequestError(f"the request body is not JSON: {err}"))
        try:
            result = await engine.complete(body)
        except RequestError as err:
            return _error(err)
        except Exception as err:  # a generation failure is the server's fault: 500, the server stays up
            return JSONResponse({"error": {"message": f"{type(err).__name__}: {err}"[:500], "type": "server_error", "param": None, "code": None}}, status_code=500)
        if isinstance(body, dict) and body.get("stream"):

            async def events():
                for data in stream_events(result):
                    yield f"data: {data}\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        return JSONResponse(result)

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": engine.model_name, "object": "model", "created": engine.created, "owned_by": "inftool"}]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": engine.model_name, "requests": engine.requests})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        engine.close()

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def load_engine(model_path: str | Path, max_batch: int = 8, dtype: str = "float32", model_name: str | None = None, max_tokens_limit: int = 2048) -> ChatEngine:
    """Load a Hugging Face model folder (weights + tokenizer with a chat template) into a ChatEngine."""
    from inftool_jax.model import load_pretrained
    from inftool_jax.model.tokenizer import load_tokenizer
    from inftool_jax.rollout.sampler import Sampler

    path = Path(model_path)
    tokenizer = load_tokenizer(path)
    model = load_pretrained(path, dtype=dtype, progress=False)
    return ChatEngine(Sampler(model, tokenizer), tokenizer, model_name or path.name, max_batch=max_batch, max_tokens_limit=max_tokens_limit)

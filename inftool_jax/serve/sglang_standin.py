"""A STAND-IN FOR TESTS: an in-process server that answers like SGLang, backed by the project's own sampler.

Not SGLang. It reproduces the routes, JSON field names and status codes the project relies on (see
:mod:`inftool_jax.serve.sglang_client`), so the client, the launcher, the GRPO rollout engine and the loop's
weight hand-over are tested in seconds without a 6.6 GB SGLang install; the token ids and log-probs are real
ones, from :class:`~inftool_jax.rollout.sampler.Sampler` on a real HF model folder:

- ``GET /health`` (and ``/health_generate``): 200; 503 while generation is paused (a real SGLang answers 503 only
  after its 20 s health generation times out, unless SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION=0);
- ``POST /generate``: ``input_ids`` (one list or a batch) or ``text``, ``sampling_params`` (``max_new_tokens``,
  ``temperature`` (0: greedy), ``top_p``, ``top_k`` (-1 or 0: off), ``stop_token_ids``, ``ignore_eos``,
  ``sampling_seed``), ``return_logprob``; answers ``text``, ``output_ids`` and ``meta_info`` (``id``,
  ``finish_reason``, ``prompt_tokens``, ``completion_tokens``, ``weight_version``, ``output_token_logprobs`` as
  ``[logprob, token_id, null]``). Log-probs are the raw policy's (a real SGLang's with
  SGLANG_RETURN_ORIGINAL_LOGPROB=1). Requests wait while generation is paused;
- ``GET /model_info`` (``model_path``, ``weight_version``, ``served_model_name``, ...), ``GET /v1/models``;
- ``POST /update_weights_from_disk`` (``model_path``, ``weight_version``): 200 ``{success, message,
  num_paused_requests}``; 400 ``success: false`` when the folder cannot be loaded. ``--no-update-route`` answers
  404 (as sglang-jax), ``--fail-updates N`` (or env INFTOOL_STANDIN_FAIL_UPDATES) fails the first N updates with
  400 (tests of the retries);
- ``POST /pause_generation``, ``POST /continue_generation``, ``GET|POST /flush_cache``;
- ``POST /v1/chat/completions`` with tools (Qwen ``<tool_call>`` parsing, as `inftool serve openai`).

``app.state.standin.calls`` lists the control routes in the order they came (tests check pause -> update ->
flush -> continue). Run it as a server (what ``sglang.launch`` starts in tests and CPU demos)::

    python -m inftool_jax.serve.sglang_standin --model-path runs/tiny-model --port 30000

Flags a real SGLang takes (``--tool-call-parser``, ``--device``, ...) are accepted and ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.serve.chat_protocol import RequestError


class StandinState:
    """The loaded model, its sampler and chat engine, the weight version and the pause flag."""

    def __init__(self, model_path: str | Path, served_model_name: str = "default", update_route: bool = True,
                 fail_updates: int = 0, dtype: str = "float32"):
        self.dtype = dtype
        self.served_model_name = served_model_name
        self.update_route = update_route
        self.fail_updates = fail_updates
        self.weight_version = "default"
        self.calls: list[str] = []
        self.paused = False
        self.resumed = threading.Event()
        self.resumed.set()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="standin-jax")  # all jax work on one thread
        self.requests = 0
        self.chat: Any = None
        self.model_path = ""
        self._load(model_path)

    def _load(self, model_path: str | Path) -> None:
        from inftool_jax.model import load_pretrained
        from inftool_jax.model.tokenizer import load_tokenizer
        from inftool_jax.rollout.sampler import Sampler
        from inftool_jax.serve.openai_server import ChatEngine

        path = Path(model_path)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path}: no config.json (not a Hugging Face model folder)")
        tokenizer = load_tokenizer(path)
        model = load_pretrained(path, dtype=self.dtype, progress=False)
        sampler = Sampler(model, tokenizer)
        chat = ChatEngine(sampler, tokenizer, self.served_model_name, max_batch=8)
        old = self.chat
        self.model, self.tokenizer, self.sampler, self.chat = model, tokenizer, sampler, chat
        self.model_path = str(model_path)
        if old is not None:
            old.close()

    def close(self) -> None:
        if self.chat is not None:
            self.chat.close()
        self.worker.shutdown(wait=False, cancel_futures=True)

    def model_info(self) -> dict[str, Any]:
        hf = self.model.hf_config
        return {
            "model_path": self.model_path, "served_model_name": self.served_model_name, "tokenizer_path": self.model_path,
            "is_generation": True, "preferred_sampling_params": None, "weight_version": self.weight_version,
            "load_format": "auto", "reasoning_parser": None, "tool_call_parser": "qwen25", "disaggregation_mode": "null",
            "has_image_understanding": False, "has_audio_understanding": False, "model_type": hf.get("model_type"),
            "architectures": hf.get("architectures"), "standin": True,
        }

    def update(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``/update_weights_from_disk`` (runs on the jax worker thread)."""
        if self.fail_updates > 0:
            self.fail_updates -= 1
            return 400, {"success": False, "message": "injected failure (--fail-updates)", "num_paused_requests": 0}
        path = body.get("model_path")
        if not isinstance(path, str) or not path:
            return 400, {"success": False, "message": "model_path is required", "num_paused_requests": 0}
        try:
            self._load(path)
        except Exception as err:  # noqa: BLE001 - a bad folder is the client's 400, the server stays up
            return 400, {"success": False, "message": f"Failed to update weights: {type(err).__name__}: {err}"[:500],
                         "num_paused_requests": 0}
        if body.get("weight_version") is not None:
            self.weight_version = str(body["weight_version"])
        return 200, {"success": True, "message": "Succeeded to update model weights.", "num_paused_requests": 0}

    def generate(self, prompts: list[list[int]], params: list[dict[str, Any]], return_logprob: bool) -> list[dict[str, Any]]:
        """Run the prompts (grouped by equal sampling params, one sampler call per group); outputs in order."""
        out: list[dict[str, Any] | None] = [None] * len(prompts)
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(params):
            groups.setdefault(json.dumps(p, sort_keys=True), []).append(i)
        for key, rows in groups.items():
            p = json.loads(key)
            top_k = int(p.get("top_k", -1))
            config = SamplingConfig(
                max_new_tokens=int(p.get("max_new_tokens", 128)), temperature=float(p.get("temperature", 1.0)),
                top_p=float(p.get("top_p", 1.0)), top_k=max(top_k, 0), stop_token_ids=list(p.get("stop_token_ids") or []),
                stop_at_eos=not p.get("ignore_eos", False), skip_special_tokens=bool(p.get("skip_special_tokens", True)),
            )
            seed = p.get("sampling_seed")
            self.requests += 1
            result = self.sampler.generate([prompts[i] for i in rows], config, int(seed) if seed is not None else self.requests)
            for j, i in enumerate(rows):
                n = int(result.lengths[j])
                ids = [int(t) for t in result.tokens[j, :n]]
                reason = result.finish_reasons[j]
                finish = {"type": "length", "length": n} if reason == "length" else {"type": "stop", "matched": ids[-1] if ids else None}
                meta: dict[str, Any] = {"id": uuid.uuid4().hex, "finish_reason": finish, "prompt_tokens": len(prompts[i]),
                                        "completion_tokens": n, "cached_tokens": 0, "weight_version": self.weight_version}
                if return_logprob:
                    meta["output_token_logprobs"] = [[float(result.logprobs[j, t]), ids[t], None] for t in range(n)]
                out[i] = {"text": result.texts[j] if result.texts else "", "output_ids": ids, "meta_info": meta}
        return [o for o in out if o is not None]


def _as_list(value: Any, n: int, name: str) -> list[Any]:
    if isinstance(value, list):
        if len(value) != n:
            raise RequestError(f"{name} has {len(value)} entries for {n} prompts", name)
        return value
    return [value] * n


def build_app(state: StandinState) -> Starlette:
    """The ASGI app over ``state``."""

    async def run(fn, *args):
        return await asyncio.wrap_future(state.worker.submit(fn, *args))

    async def health(request: Request) -> Response:
        return Response(status_code=503 if state.paused else 200)

    async def model_info(request: Request) -> Response:
        return JSONResponse(state.model_info())

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": state.served_model_name, "object": "model", "owned_by": "sglang",
                                                         "root": state.model_path}]})

    async def generate(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise RequestError("the body must be a JSON object")
            if body.get("stream"):
                raise RequestError("the stand-in does not stream", "stream")
            ids = body.get("input_ids")
            if ids is None and body.get("text") is not None:
                texts = body["text"] if isinstance(body["text"], list) else [body["text"]]
                ids = [state.tokenizer.encode(t, add_special_tokens=False) for t in texts]
                single = not isinstance(body["text"], list)
            else:
                single = isinstance(ids, list) and bool(ids) and not isinstance(ids[0], list)
                ids = [ids] if single else ids
            if not isinstance(ids, list) or not ids or not all(isinstance(p, list) and p and all(
                    isinstance(t, int) and not isinstance(t, bool) for t in p) for p in ids):
                raise RequestError("input_ids must be a non-empty list of token ids or of such lists", "input_ids")
            vocab = state.sampler.vocab_size
            if any(t < 0 or t >= vocab for p in ids for t in p):
                raise RequestError(f"a token id is outside the vocabulary [0, {vocab})", "input_ids")
            params = _as_list(body.get("sampling_params") or {}, len(ids), "sampling_params")
            logprob = _as_list(body.get("return_logprob", False), len(ids), "return_logprob")
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return JSONResponse({"error": f"the body is not JSON: {err}"}, status_code=400)
        except RequestError as err:
            return JSONResponse({"error": err.message}, status_code=400)
        while state.paused:  # a real server queues requests while paused
            await asyncio.get_running_loop().run_in_executor(None, state.resumed.wait, 1.0)
        try:
            outputs = await run(state.generate, ids, params, any(logprob))
        except Exception as err:  # noqa: BLE001
            return JSONResponse({"error": f"{type(err).__name__}: {err}"[:500]}, status_code=500)
        return JSONResponse(outputs[0] if single else outputs)

    async def update(request: Request) -> Response:
        state.calls.append("update_weights_from_disk")
        if not state.update_route:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"detail": "the body must be a JSON object"}, status_code=422)
        status, answer = await run(state.update, body)
        return JSONResponse(answer, status_code=status)

    async def pause(request: Request) -> Response:
        state.calls.append("pause_generation")
        state.paused = True
        state.resumed.clear()
        return JSONResponse({"message": "Generation paused successfully.", "status": "ok"})

    async def resume(request: Request) -> Response:
        state.calls.append("continue_generation")
        state.paused = False
        state.resumed.set()
        return JSONResponse({"message": "Generation continued successfully.", "status": "ok"})

    async def flush(request: Request) -> Response:
        state.calls.append("flush_cache")
        return PlainTextResponse("Cache flushed.\nPlease check backend logs for more details. (When there are running or "
                                 "waiting requests, the operation will not be performed.)\n")

    async def chat(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            err = RequestError(f"the request body is not JSON: {err}")
            return JSONResponse(err.body(), status_code=err.status)
        while state.paused:
            await asyncio.get_running_loop().run_in_executor(None, state.resumed.wait, 1.0)
        try:
            return JSONResponse(await state.chat.complete(body))
        except RequestError as err:
            return JSONResponse(err.body(), status_code=err.status)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        state.close()

    app = Starlette(routes=[
        Route("/health", health, methods=["GET"]), Route("/health_generate", health, methods=["GET"]),
        Route("/model_info", model_info, methods=["GET"]), Route("/get_model_info", model_info, methods=["GET"]),
        Route("/v1/models", models, methods=["GET"]),
        Route("/generate", generate, methods=["POST", "PUT"]),
        Route("/update_weights_from_disk", update, methods=["POST"]),
        Route("/pause_generation", pause, methods=["POST"]), Route("/continue_generation", resume, methods=["POST"]),
        Route("/flush_cache", flush, methods=["GET", "POST"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
    ], lifespan=lifespan)
    app.state.standin = state
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SGLang stand-in for tests (not SGLang).")
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=30000)
    parser.add_argument("--served-model-name", default="default")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--no-update-route", action="store_true", help="answer 404 on /update_weights_from_disk (as sglang-jax)")
    parser.add_argument("--fail-updates", type=int, default=int(os.environ.get("INFTOOL_STANDIN_FAIL_UPDATES", "0")),
                        help="fail the first N weight updates with HTTP 400 (default: env INFTOOL_STANDIN_FAIL_UPDATES or 0)")
    args, _ignored = parser.parse_known_args(argv)
    import uvicorn

    state = StandinState(args.model_path, args.served_model_name, not args.no_update_route, args.fail_updates,
                         "float32" if args.dtype == "auto" else args.dtype)
    uvicorn.run(build_app(state), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

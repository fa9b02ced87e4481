"""A synchronous HTTP client for an SGLang server: health, ``/generate`` with token ids, weight hand-over.

Routes and fields are SGLang's (``python/sglang/srt/entrypoints/http_server.py``, ``managers/io_struct.py``):

- ``GET /health``: 200 when it can generate (503 while starting, and on a real server while generation is paused
  for longer than its health check waits);
- ``POST /generate``: ``input_ids`` (a list of token-id lists: a batch), ``sampling_params`` (``max_new_tokens``,
  ``temperature``, ``top_p``, ``top_k`` (-1: off), ``stop_token_ids``, ``sampling_seed``), ``return_logprob``;
  answers one object per prompt: ``output_ids``, ``text`` and ``meta_info`` with ``finish_reason``
  (``{"type": "stop", "matched": ...}``, ``{"type": "length", ...}``, ``{"type": "abort", ...}``),
  ``weight_version`` and ``output_token_logprobs`` (``[logprob, token_id, text]`` triples);
- ``GET /model_info``: ``model_path``, ``weight_version``, ...;
- the hand-over: ``POST /pause_generation``, ``POST /update_weights_from_disk`` (``{"model_path",
  "weight_version"}``; 200 ``{"success": true, "message", "num_paused_requests"}``, 400 with ``success: false`` when
  the folder cannot be loaded), ``POST /flush_cache``, ``POST /continue_generation``. A server without the update
  route (sglang-jax today) answers 404: :class:`UpdateRouteMissing`, meaning "restart it on the new folder".

The update does no architecture check of its own, so :meth:`SGLangClient.update_weights` reads ``/model_info``
afterwards and requires the new ``model_path`` and ``weight_version``. Failed attempts (HTTP 400, 5xx, timeouts,
connection errors, a stale ``/model_info``) are retried with doubling waits; then :class:`SGLangError` names the
route and the status. Generation is always continued after a failed attempt, so the server is never left paused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import httpx

from inftool_jax.errors import InputError

UPDATE_ROUTE = "/update_weights_from_disk"


class SGLangError(InputError):
    """The SGLang server failed a request: ``str()`` names the server, the route, the status and what it said."""

    def __init__(self, url: str, route: str, problem: str, status: int | None = None):
        self.url, self.route, self.status = url, route, status
        super().__init__(url, route, problem)


class UpdateRouteMissing(SGLangError):
    """The server has no ``/update_weights_from_disk`` (HTTP 404): restart it on the new folder instead."""


@dataclass
class GenerateOutput:
    """One completion of ``/generate``."""

    output_ids: list[int]
    """Generated token ids (a stop token that ended it included, as SGLang returns it)."""
    logprobs: list[float] | None
    """Per generated token, the sampler's log-prob (``meta_info.output_token_logprobs``); None when not asked for."""
    finish_reason: dict[str, Any] | None
    text: str
    weight_version: str | None = None

    @property
    def finished(self) -> bool:
        """True when it ended on a stop token or string (False: cut at max_new_tokens, or aborted)."""
        return isinstance(self.finish_reason, dict) and self.finish_reason.get("type") == "stop"


def _brief(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:300]


class SGLangClient:
    """``SGLangClient(url)``; ``transport`` (an httpx transport) and ``sleep`` are for tests."""

    def __init__(self, url: str, timeout_s: float = 600.0, update_timeout_s: float = 300.0, retries: int = 3,
                 backoff_s: float = 2.0, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.url = url.rstrip("/")
        self.timeout_s, self.update_timeout_s = timeout_s, update_timeout_s
        self.retries, self.backoff_s = max(1, retries), backoff_s
        self.sleep = sleep
        self.http = httpx.Client(base_url=self.url, transport=transport, timeout=timeout_s, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "SGLangClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing ----------------------------------------------------------

    def _call(self, method: str, route: str, body: Any = None, timeout: float | None = None) -> httpx.Response:
        """One request; a connection error or timeout is an :class:`SGLangError` with ``status=None``."""
        try:
            return self.http.request(method, route, json=body, timeout=timeout or self.timeout_s)
        except httpx.TimeoutException as err:
            raise SGLangError(self.url, route, f"timed out after {timeout or self.timeout_s:.0f}s ({type(err).__name__})") from None
        except httpx.HTTPError as err:
            raise SGLangError(self.url, route, f"cannot reach the server ({type(err).__name__}: {err})") from None

    def _ok(self, method: str, route: str, body: Any = None, timeout: float | None = None) -> httpx.Response:
        response = self._call(method, route, body, timeout)
        if response.status_code == 404 and route == UPDATE_ROUTE:
            raise UpdateRouteMissing(self.url, route, "HTTP 404: the server has no weight-update route (restart it on the new folder)", 404)
        if response.status_code != 200:
            raise SGLangError(self.url, route, f"HTTP {response.status_code}: {_brief(response)}", response.status_code)
        return response

    def _json(self, response: httpx.Response, route: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SGLangError(self.url, route, f"the answer is not JSON: {_brief(response)}", response.status_code) from None

    # ---- reading -----------------------------------------------------------

    def health(self) -> int:
        """``GET /health``'s status code; 0 when the server cannot be reached."""
        try:
            return self.http.get("/health", timeout=10.0).status_code
        except httpx.HTTPError:
            return 0

    def wait_healthy(self, timeout_s: float, alive: Callable[[], bool] | None = None, poll_s: float = 0.5) -> float:
        """Poll ``/health`` until it answers 200; returns the seconds waited. ``alive()`` False (a launched
        process that exited) or the timeout: :class:`SGLangError`."""
        start = time.monotonic()
        last = 0
        while True:
            last = self.health()
            if last == 200:
                return time.monotonic() - start
            if alive is not None and not alive():
                raise SGLangError(self.url, "/health", "the server process exited before it became healthy")
            if time.monotonic() - start > timeout_s:
                raise SGLangError(self.url, "/health", f"not healthy after {timeout_s:.0f}s (last status: "
                                  f"{last or 'no connection'})", last or None)
            time.sleep(poll_s)

    def model_info(self) -> dict[str, Any]:
        """``GET /model_info`` (``model_path``, ``weight_version``, ...)."""
        return self._json(self._ok("GET", "/model_info", timeout=30.0), "/model_info")

    def generate(self, input_ids: Sequence[Sequence[int]], sampling_params: dict[str, Any],
                 return_logprob: bool = True) -> list[GenerateOutput]:
        """Complete each prompt of ``input_ids`` once (repeat a prompt for several samples); one output per prompt."""
        if not input_ids:
            return []
        body = {"input_ids": [[int(t) for t in p] for p in input_ids], "sampling_params": dict(sampling_params),
                "return_logprob": bool(return_logprob)}
        answer = self._json(self._ok("POST", "/generate", body), "/generate")
        if isinstance(answer, dict):
            answer = [answer]
        if not isinstance(answer, list) or len(answer) != len(input_ids):
            raise SGLangError(self.url, "/generate", f"expected {len(input_ids)} outputs, got {type(answer).__name__}"
                              f"{f' of {len(answer)}' if isinstance(answer, list) else ''}")
        return [self._output(item, return_logprob) for item in answer]

    def _output(self, item: Any, return_logprob: bool) -> GenerateOutput:
        if not isinstance(item, dict) or not isinstance(item.get("output_ids"), list):
            raise SGLangError(self.url, "/generate", f"an output lacks output_ids: {str(item)[:200]}")
        meta = item.get("meta_info") or {}
        reason = meta.get("finish_reason")
        if isinstance(reason, dict) and reason.get("type") == "abort":
            raise SGLangError(self.url, "/generate", f"the request was aborted: {reason.get('message')}")
        ids = [int(t) for t in item["output_ids"]]
        logprobs = None
        if return_logprob:
            triples = meta.get("output_token_logprobs") or []
            logprobs = [float(t[0]) if t[0] is not None else float("nan") for t in triples]
            if [int(t[1]) for t in triples] != ids[: len(triples)]:
                raise SGLangError(self.url, "/generate", "output_token_logprobs name other tokens than output_ids")
        return GenerateOutput(ids, logprobs, reason, str(item.get("text") or ""), meta.get("weight_version"))

    # ---- the hand-over -----------------------------------------------------

    def pause(self) -> None:
        self._ok("POST", "/pause_generation", {}, self.update_timeout_s)

    def continue_generation(self) -> None:
        self._ok("POST", "/continue_generation", {}, self.update_timeout_s)

    def flush_cache(self) -> None:
        self._ok("POST", "/flush_cache", None, self.update_timeout_s)

    def update_weights(self, folder: str | Path, weight_version: str) -> dict[str, Any]:
        """Hand ``folder`` (an HF folder of safetensors) over: pause -> update_weights_from_disk -> flush -> continue,
        then check ``/model_info``. Returns the update's answer plus ``seconds`` and ``attempts``.

        Raises :class:`UpdateRouteMissing` on a 404 (restart instead), :class:`SGLangError` after ``retries``
        failed attempts."""
        folder = str(Path(folder).resolve())
        start = time.monotonic()
        error: SGLangError | None = None
        for attempt in range(1, self.retries + 1):
            if attempt > 1:
                self.sleep(self.backoff_s * 2 ** (attempt - 2))
            try:
                answer = self._update_once(folder, weight_version)
                answer.update(seconds=time.monotonic() - start, attempts=attempt)
                return answer
            except UpdateRouteMissing:
                raise
            except SGLangError as err:
                error = err
        assert error is not None
        raise SGLangError(self.url, error.route, f"weight hand-over of {folder} failed after {self.retries} "
                          f"attempt{'s' if self.retries > 1 else ''}: {error.problem}", error.status)

    def _update_once(self, folder: str, weight_version: str) -> dict[str, Any]:
        self.pause()
        try:
            response = self._ok("POST", UPDATE_ROUTE, {"model_path": folder, "weight_version": weight_version},
                                self.update_timeout_s)
            answer = self._json(response, UPDATE_ROUTE)
            if not isinstance(answer, dict) or answer.get("success") is not True:
                raise SGLangError(self.url, UPDATE_ROUTE, f"the update was not a success: {_brief(response)}", 200)
            self.flush_cache()
        finally:
            try:
                self.continue_generation()
            except SGLangError:
                pass  # the first error is the one to report; a paused server answers the next attempt's pause too
        info = self.model_info()
        if info.get("weight_version") != weight_version or str(info.get("model_path")) != folder:
            raise SGLangError(self.url, "/model_info", f"after the update it reports model_path "
                              f"{info.get('model_path')!r}, weight_version {info.get('weight_version')!r}; expected "
                              f"{folder!r}, {weight_version!r}")
        return dict(answer)

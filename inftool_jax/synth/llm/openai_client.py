"""An async client for OpenAI-compatible chat endpoints, made to survive flaky servers.

- a concurrency limit (one semaphore per client, held per attempt, not during backoff);
- per-request timeouts; retries (a ``tenacity`` loop) with exponential backoff and full jitter
  on 5xx, 408, 429, timeouts, connection errors and malformed or truncated response bodies;
- after ``max_tries`` attempts a :class:`ChatRequestFailed` (the caller records a failed
  episode and goes on); other 4xx answers fail at once, since repeating them cannot help;
- counters (:class:`ClientStats`): attempts, retries, failures by kind, in-flight peak and
  time-averaged mean, latency percentiles.

Only the envelope is checked (a JSON object with ``choices[0].message`` an object). What the
model said - content, ``tool_calls`` with unreadable arguments, unknown tools - is returned
as it came, for verification to judge.

:class:`BlockingChatClient` runs one client on a private event loop thread so synchronous code
(the synthesis role backends) can share it, and its concurrency limit, from many threads;
closing it cancels the requests still under way, so threads waiting on them return at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

RETRY_STATUS = frozenset({408, 429})


class ChatRequestFailed(Exception):
    """A chat request gave up: ``tries`` attempts made, ``reason`` the last error."""

    def __init__(self, reason: str, tries: int):
        super().__init__(f"after {tries} tr{'y' if tries == 1 else 'ies'}: {reason}")
        self.reason = reason
        self.tries = tries


class _Retryable(Exception):
    """One attempt failed in a way another attempt may not."""


def _kind(err: Exception) -> str:
    """The error counter a failed attempt goes under: its reason up to the first colon (``status_503``)."""
    reason = err.reason if isinstance(err, ChatRequestFailed) else str(err)
    return reason.split(":", 1)[0]


@dataclass
class ChatResult:
    """The first choice of a completion: the assistant message and why it ended."""

    message: dict[str, Any]
    finish_reason: str | None
    usage: dict[str, Any] | None
    tries: int


@dataclass
class ClientStats:
    """Counters of one client (read them after the calls; updated on the client's loop)."""

    limit: int = 0
    """The client's concurrency limit (most attempts in flight at once)."""
    calls: int = 0
    """chat() calls started."""
    attempts: int = 0
    """HTTP requests sent (calls plus retries)."""
    retries: int = 0
    """Attempts after a failed one."""
    successes: int = 0
    """Calls that returned a result."""
    failures: int = 0
    """Calls that raised ChatRequestFailed."""
    in_flight: int = 0
    """Attempts under way now."""
    in_flight_peak: int = 0
    """Most attempts under way at once."""
    errors: Counter = field(default_factory=Counter)
    """Failed attempts by kind (status_500, timeout, connection, malformed_body, ...)."""
    latencies_s: list[float] = field(default_factory=list)
    """Seconds from start to result of each successful call (retries and backoff included)."""
    busy_seconds: float = 0.0
    """Integral of ``in_flight`` over time (its mean over a window is the achieved concurrency)."""
    first_attempt_at: float | None = None
    """perf_counter() when the first attempt started (the start of the in-flight mean's window)."""
    _last_change: float = field(default_factory=time.perf_counter)

    def _change_in_flight(self, delta: int) -> None:
        now = time.perf_counter()
        if self.first_attempt_at is None:
            self.first_attempt_at = now
        self.busy_seconds += self.in_flight * (now - self._last_change)
        self._last_change = now
        self.in_flight += delta
        self.in_flight_peak = max(self.in_flight_peak, self.in_flight)

    def in_flight_mean(self) -> float:
        """Attempts in flight, averaged over time from the first attempt to the last change
        (to now while some are under way): the concurrency the client achieved."""
        if self.first_attempt_at is None:
            return 0.0
        now = time.perf_counter() if self.in_flight else self._last_change
        busy = self.busy_seconds + self.in_flight * (now - self._last_change)
        span = now - self.first_attempt_at
        return busy / span if span > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_s)

        def pct(q: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))], 4) if lat else None

        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "successes": self.successes,
            "failures": self.failures,
            "errors": dict(self.errors),
            "limit": self.limit,
            "in_flight_peak": self.in_flight_peak,
            "in_flight_mean": round(self.in_flight_mean(), 3),
            "latency_p50_s": pct(0.5),
            "latency_p95_s": pct(0.95),
        }


def _read_envelope(response: httpx.Response) -> ChatResult:
    """The first choice of a 200 response; a body that is not a chat completion is retryable."""
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _Retryable(f"malformed_body: not JSON ({err.msg if hasattr(err, 'msg') else err})") from None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _Retryable("malformed_body: no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise _Retryable("malformed_body: choices[0].message is not an object")
    usage = body.get("usage")
    return ChatResult(dict(message), choices[0].get("finish_reason"), usage if isinstance(usage, dict) else None, 0)


class ChatClient:
    """Async chat-completions client; create and use it on one event loop."""

    def __init__(
        self,
        base_url: str,
        model: str = "default",
        *,
        api_key: str | None = None,
        max_concurrency: int = 16,
        timeout_s: float = 60.0,
        max_tries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 8.0,
        seed: int = 0,
    ):
        if max_concurrency < 1 or max_tries < 1:
            raise ValueError("max_concurrency and max_tries must be >= 1")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.max_concurrency = max_concurrency
        self.max_tries = max_tries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.timeout = httpx.Timeout(timeout_s)
        self.stats = ClientStats(limit=max_concurrency)
        self._rng = random.Random(seed)
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._semaphore: asyncio.Semaphore | None = None
        self._http: httpx.AsyncClient | None = None

    def _ensure_open(self) -> httpx.AsyncClient:
        if self._http is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
            limits = httpx.Limits(max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency)
            self._http = httpx.AsyncClient(timeout=self.timeout, limits=limits, headers=self._headers)
        return self._http

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based): full jitter over a doubling cap."""
        cap = min(self.backoff_max_s, self.backoff_base_s * (2 ** (attempt - 1)))
        return self._rng.uniform(0.0, cap)

    async def _attempt(self, http: httpx.AsyncClient, payload: dict[str, Any]) -> ChatResult:
        assert self._semaphore is not None
        async with self._semaphore:
            self.stats.attempts += 1
            self.stats._change_in_flight(+1)
            try:
                response = await http.post(self.url, json=payload)
            except httpx.TimeoutException:
                raise _Retryable("timeout") from None
            except httpx.TransportError as err:  # refused, reset, truncated body (RemoteProtocolError)
                raise _Retryable(f"connection: {type(err).__name__}: {err}"[:300]) from None
            finally:
                self.stats._change_in_flight(-1)
        if response.status_code >= 500 or response.status_code in RETRY_STATUS:
            raise _Retryable(f"status_{response.status_code}: {response.text[:200]}")
        if response.status_code != 200:
            raise ChatRequestFailed(f"status_{response.status_code}: {response.text[:300]}", 0)
        return _read_envelope(response)

    async def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None, **params: Any) -> ChatResult:
        """One completion of ``messages`` (first choice); ``params`` go into the request body as given."""
        http = self._ensure_open()
        payload: dict[str, Any] = {"model": self.model, "messages": messages, **params}
        if tools:
            payload["tools"] = tools
        self.stats.calls += 1
        start = time.perf_counter()
        tries = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_tries),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),  # other 4xx (ChatRequestFailed) fail at once
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    tries = attempt.retry_state.attempt_number
                    if tries > 1:
                        self.stats.retries += 1
                    try:
                        result = await self._attempt(http, payload)
                    except (_Retryable, ChatRequestFailed) as err:
                        self.stats.errors[_kind(err)] += 1
                        raise
        except _Retryable as err:  # the last try failed too
            self.stats.failures += 1
            raise ChatRequestFailed(str(err), tries) from None
        except ChatRequestFailed as err:
            self.stats.failures += 1
            raise ChatRequestFailed(err.reason, tries) from None
        result.tries = tries
        self.stats.successes += 1
        self.stats.latencies_s.append(time.perf_counter() - start)
        return result

    def _wait(self, state: RetryCallState) -> float:
        # tenacity (9.x) asks for the wait before it checks the stop: no draw after the last try,
        # so the seeded jitter sequence is the one the retries actually sleep.
        return 0.0 if state.attempt_number >= self.max_tries else self.backoff(state.attempt_number)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class BlockingChatClient:
    """A :class:`ChatClient` on its own event loop thread; ``chat`` blocks the calling thread only."""

    def __init__(self, base_url: str, model: str = "default", **kwargs: Any):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="openai-client", daemon=True)
        self._thread.start()
        self.client = ChatClient(base_url, model, **kwargs)
        self._lock = threading.Lock()
        self._pending: set[concurrent.futures.Future] = set()
        self._closed = False

    @property
    def stats(self) -> ClientStats:
        return self.client.stats

    @property
    def max_concurrency(self) -> int:
        return self.client.max_concurrency

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None, **params: Any) -> ChatResult:
        with self._lock:
            if self._closed:
                raise ChatRequestFailed("closed: the client was closed", 0)
            future = asyncio.run_coroutine_threadsafe(self.client.chat(messages, tools, **params), self._loop)
            self._pending.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise ChatRequestFailed("closed: the client was closed while the request was under way", 0) from None
        finally:
            with self._lock:
                self._pending.discard(future)

    def close(self) -> None:
        """Cancel requests under way (their callers get ChatRequestFailed), close the connections,
        stop the loop. Safe to call twice and from any thread but the loop's."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending = list(self._pending)
        for future in pending:
            future.cancel()  # cancels the task on the loop; the waiting thread wakes up
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self.client.aclose(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()

"""A fault-injecting HTTP/1.1 proxy for tests and benchmarks of clients of flaky servers.

It forwards each request to an upstream and, by a seeded draw per request (arrival order),
answers with one of:

- ``ok``: the upstream's response, unchanged;
- ``error``: a 500 with a JSON error body (the upstream is not asked);
- ``hang``: nothing, until the client gives up and closes (or ``hang_s`` passes);
- ``truncate``: the upstream's headers with its full Content-Length, half the body, then close;
- ``malformed``: a 200 whose body is the upstream's cut in half plus junk (valid HTTP, bad JSON).

``latency_s`` is added before every request. The same seed gives the same fault for the
n-th request; :attr:`FaultProxy.log` lists the faults in arrival order. Written on raw
asyncio streams (not an ASGI stack) because faults must control the bytes on the wire.
Binds to loopback only and forwards to a loopback upstream only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

FAULTS = ("error", "hang", "truncate", "malformed")
_HOP_HEADERS = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "proxy-connection"}
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error", 501: "Not Implemented"}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class FaultPlan:
    """Rates (each in [0, 1], summing to at most 1) of each fault, the added latency and the seed."""

    error_rate: float = 0.0
    hang_rate: float = 0.0
    truncate_rate: float = 0.0
    malformed_rate: float = 0.0
    latency_s: float = 0.0
    seed: int = 0
    hang_s: float = 30.0
    """Longest a hung request holds its connection (the client normally closes it first)."""

    def __post_init__(self) -> None:
        rates = [self.error_rate, self.hang_rate, self.truncate_rate, self.malformed_rate]
        if any(r < 0 for r in rates) or sum(rates) > 1 + 1e-9:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")
        if self.latency_s < 0 or self.hang_s < 0:
            raise ValueError("latency_s and hang_s must be >= 0")

    def fault(self, n: int) -> str:
        """The fault of the ``n``-th request (0-based): ``ok`` or one of :data:`FAULTS`."""
        u = random.Random(f"fault:{self.seed}:{n}").random()
        edge = 0.0
        for name, rate in zip(FAULTS, (self.error_rate, self.hang_rate, self.truncate_rate, self.malformed_rate)):
            edge += rate
            if u < edge:
                return name
        return "ok"


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool


@dataclass
class ProxyStats:
    """What the proxy saw; ``busy_seconds`` integrates the number of requests in flight over time."""

    in_flight: int = 0
    in_flight_peak: int = 0
    busy_seconds: float = 0.0
    started_at: float = field(default_factory=time.perf_counter)
    _last: float = field(default_factory=time.perf_counter)

    def _tick(self, delta: int) -> None:
        now = time.perf_counter()
        self.busy_seconds += self.in_flight * (now - self._last)
        self._last = now
        self.in_flight += delta
        self.in_flight_peak = max(self.in_flight_peak, self.in_flight)

    def mean_in_flight(self) -> float:
        """Time-averaged requests in flight since ``started_at`` (or the last :meth:`restart`)."""
        self._tick(0)
        span = self._last - self.started_at
        return self.busy_seconds / span if span > 0 else 0.0

    def restart(self) -> None:
        """Start a new measuring window (requests in flight now keep counting)."""
        self.started_at = self._last = time.perf_counter()
        self.busy_seconds = 0.0
        self.in_flight_peak = self.in_flight


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    lower = {k.lower(): v for k, v in headers}
    if "chunked" in lower.get("transfer-encoding", "").lower():
        raise ValueError("chunked request bodies are not supported")
    length = int(lower.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    keep_alive = lower.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return _Request(method, target, headers, body, keep_alive)


def _response_head(status: int, headers: list[tuple[str, str]], length: int, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_HEADERS]
    lines += [f"content-length: {length}", f"connection: {'keep-alive' if keep_alive else 'close'}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class FaultProxy:
    """Forwards ``http://host:port/...`` to ``upstream`` with the faults of ``plan``."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None, host: str = "127.0.0.1", port: int = 0):
        up = urlsplit(upstream)
        if up.scheme != "http" or not up.hostname or not _is_loopback(up.hostname):
            raise ValueError(f"the upstream must be an http:// loopback address, got {upstream!r}")
        if not _is_loopback(host):
            raise ValueError(f"the proxy binds to loopback only, got {host!r}")
        self.upstream = upstream.rstrip("/")
        self.plan = plan or FaultPlan()
        self.host, self.port = host, port
        self.log: list[str] = []
        self.stats = ProxyStats()
        self._server: asyncio.base_events.Server | None = None
        self._http: httpx.AsyncClient | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        # No pool limit: the proxy must never be what limits concurrency.
        self._http = httpx.AsyncClient(timeout=None, limits=httpx.Limits(max_connections=None, max_keepalive_connections=256))
        self._server = await asyncio.start_server(self._serve_connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
        if self._http is not None:
            await self._http.aclose()

    async def _forward(self, request: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
        assert self._http is not None
        headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP_HEADERS]
        try:
            response = await self._http.request(request.method, self.upstream + request.target, headers=headers, content=request.body)
        except httpx.HTTPError as err:
            return 502, [("content-type", "application/json")], b'{"error": {"message": "upstream unreachable: %s"}}' % type(err).__name__.encode()
        kept = [(k, v) for k, v in response.headers.items() if k.lower() not in _HOP_HEADERS | {"content-encoding"}]
        return response.status_code, kept, response.content

    async def _answer(self, request: _Request, fault: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Write the (faulty) response; returns whether the connection stays open."""
        if self.plan.latency_s:
            await asyncio.sleep(self.plan.latency_s)
        if fault == "error":
            body = b'{"error": {"message": "injected fault", "type": "server_error"}}'
            writer.write(_response_head(500, [("content-type", "application/json")], len(body), request.keep_alive) + body)
            await writer.drain()
            return request.keep_alive
        if fault == "hang":
            try:  # returns when the client closes its end
                await asyncio.wait_for(reader.read(), timeout=self.plan.hang_s)
            except (asyncio.TimeoutError, ConnectionError):
                pass
            return False
        status, headers, body = await self._forward(request)
        if fault == "truncate":
            writer.write(_response_head(status, headers, len(body), True) + body[: len(body) // 2])
            await writer.drain()
            return False
        if fault == "malformed":
            body = body[: len(body) // 2] + b'}{"truncated'
            status = 200
        writer.write(_response_head(status, headers, len(body), request.keep_alive) + body)
        await writer.drain()
        return request.keep_alive

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except ValueError as err:
                    body = str(err).encode()
                    writer.write(_response_head(501, [("content-type", "text/plain")], len(body), False) + body)
                    await writer.drain()
                    break
                if request is None:
                    break
                fault = self.plan.fault(len(self.log))
                self.log.append(fault)
                self.stats._tick(+1)
                try:
                    keep = await self._answer(request, fault, reader, writer)
                finally:
                    self.stats._tick(-1)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


class ProxyThread:
    """Runs a :class:`FaultProxy` on its own event loop thread (``with ProxyThread(...) as proxy:``)."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None, host: str = "127.0.0.1", port: int = 0):
        self.proxy = FaultProxy(upstream, plan, host, port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return self.proxy.url

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.proxy.start(), self._loop).result(timeout=10)
        return self.proxy

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.proxy.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


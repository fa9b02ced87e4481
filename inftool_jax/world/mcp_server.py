"""A real MCP server (the ``mcp`` SDK's low-level Server) over the tool simulator.

Thin transport: ``tools/list`` exposes each ToolSpec (``inputSchema`` =
parameters, ``outputSchema`` = response when that is an object schema);
``tools/call`` runs :class:`~inftool_jax.world.simulator.ToolSimulator` and a
simulator error becomes a tool result with ``isError: true`` and the message
(plus the structured error as JSON text).

Per-session state: each MCP session is one episode. Over streamable HTTP the
session is the ``Mcp-Session-Id`` the handshake assigns; a stdio server
process serves exactly one client, so its whole life is one session. Sessions
get episode seeds 0, 1, 2, ... in the order they first call a tool. A client
may instead name its episode in the request ``_meta`` as
``{"inftool/episode": <int or str>}``: then the state (and, for an int, the
episode seed) is that episode's, whatever the connection, which lets one
connection replay or interleave several episodes.

A simulated world needs a session to live in, so the HTTP endpoint answers
``server/discover`` with the handshake protocol versions only (as stateful
servers of other SDKs do): the SDK's auto-negotiating client then opens a
session with ``initialize``. stdio serves both protocol eras.
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from typing import Any, Iterable

from inftool_jax.tools.names import unknown_name_message
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.world.simulator import EpisodeState, ToolSimulator

EPISODE_META_KEY = "inftool/episode"
"""``_meta`` key a client may set on ``tools/call`` to choose its episode."""

_MAX_SESSIONS = 10_000
_STDIO_SESSION = "<stdio>"


class SessionStates:
    """Episode state per MCP session, oldest dropped beyond ``max_sessions``."""

    def __init__(self, simulator: ToolSimulator, max_sessions: int = _MAX_SESSIONS):
        self.simulator = simulator
        self.max_sessions = max_sessions
        self._states: OrderedDict[Any, EpisodeState] = OrderedDict()
        self._opened = 0

    def get(self, key: Any, episode_seed: int | None = None) -> EpisodeState:
        state = self._states.get(key)
        if state is None:
            if episode_seed is None:
                episode_seed = self._opened
            self._opened += 1
            state = self.simulator.new_state(episode_seed)
            self._states[key] = state
            while len(self._states) > self.max_sessions:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(key)
        return state

    def __len__(self) -> int:
        return len(self._states)


def _episode_from_meta(meta: Any) -> tuple[Any, int | None] | None:
    if not isinstance(meta, dict) or EPISODE_META_KEY not in meta:
        return None
    value = meta[EPISODE_META_KEY]
    if isinstance(value, int) and not isinstance(value, bool):
        return ("episode", value), value
    text = str(value)
    # A stable (not PYTHONHASHSEED-dependent) seed for named episodes.
    return ("episode", text), int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _session_key(ctx: Any) -> Any:
    request = getattr(ctx, "request", None)
    headers = getattr(request, "headers", None)
    if headers is not None:
        session_id = headers.get("mcp-session-id")
        if session_id:
            return ("http", session_id)
        # Modern stateless HTTP without an episode key: every request is its own episode.
        return ("request", id(request))
    return _STDIO_SESSION


def tool_listing(spec: ToolSpec) -> dict[str, Any]:
    """The MCP ``Tool`` fields for a spec (wire names)."""
    entry: dict[str, Any] = {"name": spec.name, "description": spec.description or spec.name, "inputSchema": spec.parameters}
    if isinstance(spec.response, dict) and spec.response.get("type") == "object":
        entry["outputSchema"] = spec.response
    return entry


def build_server(tools: Iterable[ToolSpec], seed: int = 0, *, http: bool = False, name: str = "inftool-sim"):
    """An ``mcp`` low-level Server exposing ``tools`` through a ToolSimulator.

    ``http=True`` adds the ``server/discover`` answer that steers clients to the
    session-keeping handshake (see the module docstring).
    """
    import mcp_types as types
    from mcp.server.lowlevel import Server
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

    from inftool_jax import __version__

    specs = list(tools)
    simulator = ToolSimulator(specs, seed=seed)
    sessions = SessionStates(simulator)
    listings = [tool_listing(s) for s in specs]
    listed = [types.Tool.model_validate(entry) for entry in listings]
    has_output = {entry["name"] for entry in listings if "outputSchema" in entry}

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    known = {s.name for s in specs}

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name not in known:
            # The closest names, not the whole catalog (55 KB on 1,259 tools).
            text = unknown_name_message("tool", params.name, known)
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
        chosen = _episode_from_meta(params.meta)
        state = sessions.get(*chosen) if chosen else sessions.get(_session_key(ctx))
        result = simulator.call(params.name, params.arguments or {}, state=state)
        if not result.ok:
            text = f"{result.error}\n{result.to_text()}"
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)
        structured = result.content if params.name in has_output and isinstance(result.content, dict) else None
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=result.to_text())],
            structured_content=structured,
            is_error=False,
        )

    server = Server(
        name,
        version=__version__,
        instructions="Simulated tools with per-session state: ids created by one call are found by the next.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )

    if http:

        async def discover(ctx, params) -> types.DiscoverResult:
            return types.DiscoverResult(
                supported_versions=list(HANDSHAKE_PROTOCOL_VERSIONS),
                capabilities=server.get_capabilities(),
                instructions=server.instructions,
            )

        server.add_request_handler("server/discover", types.RequestParams, discover)
    server.simulator = simulator  # type: ignore[attr-defined]
    server.sessions = sessions  # type: ignore[attr-defined]
    return server


async def serve_stdio(tools: Iterable[ToolSpec], seed: int = 0) -> None:
    """Serve one client over this process's stdin/stdout until it disconnects."""
    from mcp.server.stdio import stdio_server

    server = build_server(tools, seed)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_http(tools: Iterable[ToolSpec], seed: int = 0, host: str = "127.0.0.1", port: int = 8765, path: str = "/mcp") -> None:
    """Serve streamable HTTP at ``http://host:port/path`` until interrupted (blocking)."""
    import uvicorn

    server = build_server(tools, seed, http=True)
    app = server.streamable_http_app(streamable_http_path=path, host=host)
    print(f"inftool: MCP server on http://{host}:{port}{path} ({len(server.simulator.tools)} tools)", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")).run()

"""The MCP server, driven by the official `mcp` Python client over stdio and streamable HTTP.

Servers are real subprocesses (`python -m inftool_jax serve mcp ...`) on a spec
file written here; each test kills its server in teardown.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from jsonschema import Draft202012Validator

from inftool_jax.world.schema_formats import FORMAT_CHECKER

ROOT = Path(__file__).resolve().parents[2]

ORDER = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string"},
        "item": {"type": "string"},
        "quantity": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["pending", "shipped", "cancelled"]},
    },
    "required": ["order_id", "item", "status"],
}
TOOLS = [
    {"name": "create_order", "description": "Place an order.", "outputSchema": ORDER,
     "inputSchema": {"type": "object", "properties": {"item": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}}, "required": ["item", "quantity"]}},
    {"name": "get_order", "description": "Get one order by id.", "outputSchema": ORDER,
     "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}},
    {"name": "delete_order", "description": "Delete an order.",
     "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}},
    {"name": "get_weather", "description": "Current weather for a city.",
     "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
]


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "shop.mcp.json"
    path.write_text(json.dumps({"tools": TOOLS}))
    return path


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


async def _exercise(client):
    """List every tool, chain create -> get, and check the error paths."""
    listed = await client.list_tools()
    assert sorted(t.name for t in listed.tools) == sorted(t["name"] for t in TOOLS)
    by_name = {t.name: t for t in listed.tools}
    assert by_name["create_order"].input_schema == TOOLS[0]["inputSchema"]
    assert by_name["create_order"].output_schema == ORDER
    assert by_name["get_weather"].output_schema is None

    created = await client.call_tool("create_order", {"item": "lamp", "quantity": 2})
    assert not created.is_error
    order = created.structured_content
    assert order["item"] == "lamp" and order["quantity"] == 2
    assert not list(Draft202012Validator(ORDER, format_checker=FORMAT_CHECKER).iter_errors(order))
    assert json.loads(created.content[0].text) == order

    got = await client.call_tool("get_order", {"order_id": order["order_id"]})
    assert not got.is_error and got.structured_content["order_id"] == order["order_id"]
    assert got.structured_content["item"] == "lamp"

    bad = await client.call_tool("create_order", {"item": "lamp", "quantity": 0})
    assert bad.is_error
    assert "invalid arguments for create_order: /quantity: 0 is less than the minimum of 1" in bad.content[0].text

    deleted = await client.call_tool("delete_order", {"order_id": order["order_id"]})
    assert not deleted.is_error
    gone = await client.call_tool("get_order", {"order_id": order["order_id"]})
    assert gone.is_error and "not found" in gone.content[0].text
    return order["order_id"]


def test_official_client_over_stdio_lists_and_calls_tools(spec_file):
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "inftool_jax", "serve", "mcp", "--specs", str(spec_file), "--seed", "3"],
        env=_env(),
        cwd=str(ROOT),
    )

    async def main():
        with anyio.fail_after(60):
            async with Client(params) as client:
                return await _exercise(client)

    first = anyio.run(main)
    # a new process with the same seed replays the same world
    assert anyio.run(main) == first


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def http_server(spec_file):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inftool_jax", "serve", "mcp", "--specs", str(spec_file), "--transport", "http", "--port", str(port)],
        env=_env(), cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_official_client_over_streamable_http_keeps_state_per_session(http_server):
    from mcp import Client

    async def main():
        with anyio.fail_after(60):
            async with Client(http_server) as client:
                order_id = await _exercise(client)
                survivor = (await client.call_tool("create_order", {"item": "desk", "quantity": 1})).structured_content["order_id"]
                assert not (await client.call_tool("get_order", {"order_id": survivor})).is_error
            # another session is another episode: it cannot see the first one's records
            async with Client(http_server) as other:
                assert (await other.call_tool("get_order", {"order_id": survivor})).is_error
                created = await other.call_tool("create_order", {"item": "desk", "quantity": 1})
                assert not created.is_error
            return order_id

    anyio.run(main)


def test_http_server_binds_loopback_by_default(http_server):
    port = int(http_server.split(":")[2].split("/")[0])
    addresses = {info[4][0] for info in socket.getaddrinfo("127.0.0.1", port)}
    assert addresses == {"127.0.0.1"}
    # the default host is what the CLI says it is
    from inftool_jax.cli import build_parser

    args = build_parser().parse_args(["serve", "mcp", "--specs", "x"])
    assert args.host == "127.0.0.1" and args.transport == "stdio" and args.port == 8765


def test_episode_meta_key_selects_and_replays_an_episode_in_process():
    from mcp import Client

    from inftool_jax.world.mcp_server import EPISODE_META_KEY, build_server
    from inftool_jax.tools.spec import ToolSpec

    specs = [ToolSpec(t["name"], t["description"], t["inputSchema"], response=t.get("outputSchema")) for t in TOOLS]

    async def main():
        async with Client(build_server(specs, seed=1)) as client:
            a = await client.call_tool("create_order", {"item": "lamp", "quantity": 1}, meta={EPISODE_META_KEY: 42})
            b = await client.call_tool("create_order", {"item": "lamp", "quantity": 1}, meta={EPISODE_META_KEY: 43})
            order_a = a.structured_content["order_id"]
            assert (await client.call_tool("get_order", {"order_id": order_a}, meta={EPISODE_META_KEY: 42})).structured_content["order_id"] == order_a
            assert (await client.call_tool("get_order", {"order_id": order_a}, meta={EPISODE_META_KEY: 43})).is_error
            return order_a, b.structured_content["order_id"]

    first = anyio.run(main)
    assert anyio.run(main) == first
    # the same episode seed in the in-process simulator gives the same ids
    from inftool_jax.world.simulator import ToolSimulator

    sim = ToolSimulator(specs, seed=1)
    sim.reset(42)
    assert sim.call("create_order", {"item": "lamp", "quantity": 1}).content["order_id"] == first[0]


def test_serve_mcp_with_no_tools_is_an_input_error(tmp_path):
    empty = tmp_path / "empty.mcp.json"
    empty.write_text(json.dumps({"tools": []}))
    proc = subprocess.run(
        [sys.executable, "-m", "inftool_jax", "serve", "mcp", "--specs", str(empty)],
        env=_env(), cwd=str(ROOT), capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("inftool: error: ")


def _load_large_specs():
    import importlib.util

    spec = importlib.util.spec_from_file_location("large_specs", ROOT / "tests" / "tools" / "large_specs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unknown_tool_names_the_closest_tools_not_the_whole_catalog():
    from mcp import Client

    from inftool_jax.tools import load_catalog
    from inftool_jax.world.mcp_server import build_server

    # the reference filesystem server's listing, plus a thousand more tools: the error must stay short
    tools = load_catalog([ROOT / "tests" / "tools" / "fixtures" / "mcp_filesystem.json"]).tools
    tools += load_catalog([_write_many(1000)]).tools

    async def main():
        async with Client(build_server(tools, seed=0)) as client:
            return await client.call_tool("read_fille", {"path": "/tmp/a.txt"})

    result = anyio.run(main)
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("unknown tool 'read_fille'; closest: read_file")
    assert len(text) < 300


def _write_many(count: int) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "many.mcp.json"
    path.write_text(json.dumps(_load_large_specs().many_mcp_tools(count)))
    return path


def test_serve_mcp_starts_in_seconds_on_a_1259_tool_catalog():
    from inftool_jax.tools import load_catalog
    from inftool_jax.world.mcp_server import build_server

    start = time.perf_counter()
    tools = load_catalog([_write_many(1259)]).tools
    server = build_server(tools, seed=0)
    elapsed = time.perf_counter() - start
    assert len(server.simulator.tools) == 1259
    assert elapsed < 10, f"{elapsed:.1f} s to start on 1,259 tools (25 s before issue 13)"

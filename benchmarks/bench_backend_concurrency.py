"""Achieved request concurrency of the synthesis chat client through the fault proxy with added latency.

Set-up, all on loopback: a model-free OpenAI-compatible responder (``serve/scripted_chat.py``,
uvicorn) behind the fault-injecting proxy (``serve/fault_proxy.py``) that adds ``--latency``
seconds to every request (and optional injected 500s). The proxy integrates the number of
requests it holds over time; achieved concurrency = that time average / the configured limit
(target >= 90%). Clients, each sending the same ``--requests`` chat completions:

- ``inftool ChatClient``: the synthesis backend's async client (semaphore = ``--limit``, retries);
- peer ``naive sequential``: one ``httpx.Client`` request after another (what a plain loop does);
- peer ``openai AsyncOpenAI``: the official SDK with an ``asyncio.Semaphore(--limit)`` (when installed).

Ratios are throughputs against the peers, measured in the same run. The responder and the
proxy run in a child process, so the client under test does not share its interpreter lock.

A second section measures a real ``Synthesis`` run (the pipeline behind ``inftool synth``) with
the User Simulator and the Assistant on the ``openai`` backend (``synth.openai.max_concurrency``
= ``--limit``; tools on ``--synth-tools``), through the same proxy: its achieved concurrency at
the proxy (and at the client) as a share of the limit, against the peer ``Synthesis, 1 worker``
(episodes one at a time, as before the pipeline ran them concurrently).

    python benchmarks/bench_backend_concurrency.py --limit 16 --requests 640 --latency 0.05 --blueprints 600
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

MESSAGES = [{"role": "user", "content": "ping"}]


CLIENT_SIDE: list[float] = []


async def _ours(url: str, limit: int, n: int, max_tries: int) -> None:
    from inftool_jax.synth.llm.openai_client import ChatClient

    client = ChatClient(url + "/v1", "bench", max_concurrency=limit, timeout_s=30, max_tries=max_tries, backoff_base_s=0.01)
    start = time.perf_counter()
    results = await asyncio.gather(*(client.chat(MESSAGES) for _ in range(n)), return_exceptions=True)
    client.stats._change_in_flight(0)
    CLIENT_SIDE.append(client.stats.busy_seconds / (time.perf_counter() - start))
    await client.aclose()
    failures = sum(isinstance(r, Exception) for r in results)
    if failures:
        print(f"    ({failures} requests failed after {max_tries} tries)")


def _sequential(url: str, n: int) -> None:
    import httpx

    with httpx.Client(timeout=30) as client:
        for _ in range(n):
            client.post(url + "/v1/chat/completions", json={"model": "bench", "messages": MESSAGES})


async def _openai_sdk(url: str, limit: int, n: int) -> None:
    import openai

    client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="unused", max_retries=3)
    gate = asyncio.Semaphore(limit)

    async def one() -> None:
        async with gate:
            await client.chat.completions.create(model="bench", messages=MESSAGES)

    await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    await client.close()


def _role_player(body: dict) -> dict:
    """A model-free endpoint playing each synthesis role by its prompt (the user states the task's values)."""
    messages = body["messages"]
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if system.startswith("You role-play a human user"):
        task = messages[-1]["content"].removesuffix("\n\nWrite the user's message now.")
        return {"role": "assistant", "content": task.split("\n\n")[-1]}
    if system.startswith("You are the server behind"):
        return {"role": "assistant", "content": '{"status": "ok", "id": "R-1"}'}
    return {"role": "assistant", "content": "Here is what I found."}


def _serve(conn, plan_kwargs: dict) -> None:
    """Child process: responder + proxy; answers "restart" / "stats" / "stop" on ``conn``."""
    from inftool_jax.serve.fault_proxy import FaultPlan, ProxyThread
    from inftool_jax.serve.loopback import AppThread
    from inftool_jax.serve.scripted_chat import scripted_chat_app

    with AppThread(scripted_chat_app(_role_player)) as upstream, ProxyThread(upstream, FaultPlan(**plan_kwargs)) as proxy:
        conn.send(proxy.url)
        while True:
            command = conn.recv()
            if command == "restart":
                proxy.stats.restart()
                conn.send(None)
            elif command == "stats":
                conn.send((proxy.stats.mean_in_flight(), proxy.stats.in_flight_peak))
            else:
                break


def _synthesis(url: str, limit: int, blueprints: int, workers: int | None, tools_backend: str, out: str):
    """A Synthesis whose user and assistant are the endpoint; ``run(blueprints)`` plans exactly
    ``blueprints`` (the attempt budget: the scripted assistant follows no plan, so few are kept)."""
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.pipeline import Synthesis
    from inftool_jax.tools.catalog import load_catalog

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    cfg = SynthConfig.model_validate({
        "backends": {"user": "openai", "assistant": "openai", "tools": tools_backend},
        "openai": {"base_url": url + "/v1", "max_concurrency": limit, "timeout_s": 30, "backoff_base_s": 0.01},
        "max_attempts_factor": 1,
        "fsync_every": 0,
    })
    run = Synthesis(load_catalog([os.path.join(root, "configs", "specs")]).tools, cfg, 0, out, workers=workers)
    run.open(resume=False)
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=16, help="client concurrency limit (default 16)")
    ap.add_argument("--requests", type=int, default=640, help="requests per concurrent client (default 640)")
    ap.add_argument("--sequential-requests", type=int, default=40, help="requests for the sequential peer (default 40)")
    ap.add_argument("--latency", type=float, default=0.05, help="latency the proxy adds, seconds (default 0.05)")
    ap.add_argument("--error-rate", type=float, default=0.0, help="share of injected 500s (retried by our client)")
    ap.add_argument("--max-tries", type=int, default=4, help="our client's tries per request")
    ap.add_argument("--blueprints", type=int, default=600, help="blueprints of the concurrent Synthesis run (0: skip that section)")
    ap.add_argument("--sequential-blueprints", type=int, default=30, help="blueprints of the 1-worker Synthesis peer")
    ap.add_argument("--synth-tools", default="programmatic", help="tools backend of the Synthesis runs (programmatic or openai)")
    args = ap.parse_args()

    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    conn, child_conn = ctx.Pipe()
    child = ctx.Process(target=_serve, args=(child_conn, {"error_rate": args.error_rate, "latency_s": args.latency, "seed": 0}), daemon=True)
    child.start()
    rows = []
    synth_rows = []
    try:
        url = conn.recv()
        asyncio.run(_ours(url, args.limit, args.limit, args.max_tries))  # warm up connections

        def measure(name: str, n: int, run) -> None:
            conn.send("restart")
            conn.recv()
            start = time.perf_counter()
            run()
            seconds = time.perf_counter() - start
            conn.send("stats")
            mean, peak = conn.recv()
            rows.append((name, n, seconds, n / seconds, mean, mean / args.limit, peak))

        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        measure("inftool ChatClient", args.requests, lambda: asyncio.run(_ours(url, args.limit, args.requests, args.max_tries)))
        measure("naive sequential (peer)", args.sequential_requests, lambda: _sequential(url, args.sequential_requests))
        try:
            import openai  # noqa: F401

            measure("openai AsyncOpenAI + semaphore (peer)", args.requests, lambda: asyncio.run(_openai_sdk(url, args.limit, args.requests)))
        except ImportError:
            print("(openai not installed: SDK peer skipped)")
        if args.blueprints:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                for name, n, workers in (("Synthesis (auto workers)", args.blueprints, None), ("Synthesis, 1 worker (peer)", args.sequential_blueprints, 1)):
                    made = time.perf_counter()
                    run = _synthesis(url, args.limit, n, workers, args.synth_tools, os.path.join(tmp, str(workers)))
                    setup_s = time.perf_counter() - made
                    conn.send("restart")
                    conn.recv()
                    start = time.perf_counter()
                    manifest = run.run(n)
                    seconds = time.perf_counter() - start
                    conn.send("stats")
                    mean, peak = conn.recv()
                    client = manifest["backends_this_session"]["openai:default"]
                    synth_rows.append((f"{name} [{run.workers}]", manifest["planned"], client["attempts"], seconds, mean, peak, client, setup_s))
    finally:
        conn.send("stop")
        child.join(timeout=30)

    ideal = args.limit / args.latency
    print(f"fault proxy: +{args.latency * 1000:.0f} ms per request, injected 500s {args.error_rate:.0%}; limit {args.limit}; "
          f"ideal throughput {ideal:.0f} req/s; load average at start {load}")
    print(f"{'client':40s} {'requests':>8s} {'seconds':>8s} {'req/s':>8s} {'mean in flight':>15s} {'of limit':>9s} {'peak':>5s}")
    for name, n, seconds, rate, mean, share, peak in rows:
        print(f"{name:40s} {n:8d} {seconds:8.2f} {rate:8.1f} {mean:15.2f} {share:9.1%} {peak:5d}")
    ours = rows[0]
    print(f"achieved concurrency of inftool ChatClient: {ours[5]:.1%} of the limit at the proxy (target >= 90%), "
          f"{CLIENT_SIDE[-1] / args.limit:.1%} at the client (requests sent and not yet answered)")
    for row in rows[1:]:
        print(f"throughput ratio inftool ChatClient / {row[0]}: {ours[3] / row[3]:.2f}x")
    if synth_rows:
        print(f"\nSynthesis runs (user + assistant on openai, tools {args.synth_tools}; [workers]); load average now "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(f"{'run':40s} {'blueprints':>10s} {'requests':>8s} {'seconds':>8s} {'bp/s':>7s} {'mean in flight':>15s} {'of limit':>9s} "
              f"{'peak':>5s} {'client mean':>11s} {'p50 ms':>7s} {'setup s':>7s}")
        for name, n, requests, seconds, mean, peak, client, setup_s in synth_rows:
            print(f"{name:40s} {n:10d} {requests:8d} {seconds:8.2f} {n / seconds:7.1f} {mean:15.2f} {mean / args.limit:9.1%} "
                  f"{peak:5d} {client['in_flight_mean']:11.2f} {client['latency_p50_s'] * 1000:7.0f} {setup_s:7.2f}")
        print("(setup: catalog, planner and every worker's role backends, before the run; not in its seconds)")
        ours = synth_rows[0]
        print(f"achieved concurrency of a Synthesis run: {ours[4] / args.limit:.1%} of the limit at the proxy (target >= 90%), "
              f"{ours[6]['in_flight_mean'] / args.limit:.1%} at the client")
        if len(synth_rows) > 1:
            peer = synth_rows[1]
            print(f"throughput ratio Synthesis auto workers / 1 worker: {(ours[1] / ours[3]) / (peer[1] / peer[3]):.2f}x (blueprints/s)")


if __name__ == "__main__":
    main()

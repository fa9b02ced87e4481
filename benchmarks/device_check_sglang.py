"""The device check's SGLang part (benchmarks/device_check.py, part 2): the server command for the installed sglang (or
``--sglang-launch``), started with the project's ``LaunchedServer`` on the shared model folder, and the sampler's
prompts timed through its native ``POST /generate``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from device_check_report import Report, error_record, median

ROOT = Path(__file__).resolve().parents[1]

GRPO_RESERVE_S = {"gpu": 150, "smoke": 10}
"""Seconds kept for the GRPO part when bounding SGLang's start-up."""


def sglang_command(args, on_gpu: bool) -> tuple[list[str] | None, str | None, dict[str, str]]:
    """``(command, reason it cannot run, env)``: the server command line, or why SGLang is skipped."""
    if args.sglang_launch:
        return shlex.split(args.sglang_launch), None, {}
    python = args.sglang_python or os.environ.get("INFTOOL_SGLANG_PYTHON") or sys.executable
    if os.sep in python:
        python = str(Path(python).absolute())
    if not on_gpu and args.sglang != "on":
        return None, "no CUDA device (jax backend is not gpu); pass --sglang on to try SGLang's CPU engine", {}
    try:
        # --help imports sglang and lists the flags this version takes (they change between versions)
        probe = subprocess.run([python, "-m", "sglang.launch_server", "--help"], capture_output=True, text=True,
                               timeout=240)
        version = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('sglang'))"],
                                 capture_output=True, text=True, timeout=60).stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"cannot run {python} -m sglang.launch_server --help: {err}", {}
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, (f"sglang is not importable by {python} ({last}); set INFTOOL_SGLANG_PYTHON or --sglang-python to "
                      f"a python with a CUDA build of sglang"), {}
    flags = set(re.findall(r"--[a-z0-9][a-z0-9-]*", probe.stdout))
    cmd = [python, "-m", "sglang.launch_server", "--skip-tokenizer-init", "--dtype", "bfloat16"]
    for flag, value in (("--disable-radix-cache", None), ("--random-seed", "0"), ("--skip-server-warmup", None),
                        ("--log-level", "warning")):
        if flag in flags:
            cmd += [flag] if value is None else [flag, value]
    env: dict[str, str] = {}
    if on_gpu:
        cmd += ["--mem-fraction-static", str(args.sglang_mem_fraction)]
        # capture decode graphs only up to the batch used (start-up); the flag's name depends on the version
        graph_flag = next((f for f in ("--cuda-graph-max-bs-decode", "--cuda-graph-max-bs") if f in flags), None)
        if graph_flag:
            cmd += [graph_flag, str(max(args.batch, 8))]
    else:
        cmd += ["--device", "cpu", "--max-total-tokens", "8192"]
        env["SGLANG_USE_CPU_ENGINE"] = "1"
    cmd += shlex.split(args.sglang_extra or "")
    return cmd, None, {**env, "__version__": version or ""}


def run_sglang(folder: Path, prompts: list[list[int]], args, keep: dict[str, Any], report: Report, on_gpu: bool) -> dict[str, Any]:
    import numpy as np

    from inftool_jax.serve.sglang_client import SGLangClient
    from inftool_jax.serve.sglang_launch import LaunchedServer

    if args.sglang == "off":
        return {"skipped": "not asked (--sglang off" + (", the --smoke default" if args.smoke else "") + ")"}
    cmd, why, env = sglang_command(args, on_gpu)
    if cmd is None:
        return {"skipped": why}
    version = env.pop("__version__", None)
    health_timeout = min(300.0, report.remaining() - GRPO_RESERVE_S[args.preset])
    if health_timeout < 30:
        return {"skipped": f"time budget: {report.remaining():.0f} s left, not enough to start a server"}
    log = Path(args.work) / "sglang" / "server.log"
    server = LaunchedServer(cmd, log, env=env, health_timeout_s=health_timeout, stop_grace_s=10.0, cwd=ROOT)
    out: dict[str, Any] = {"server_command": cmd, "sglang_version": version, "is_sglang": not args.sglang_launch,
                           "log": str(log)}
    try:
        url = server.start(folder)
        out["startup_s"] = round(server.start_seconds[-1], 3)
        params = {"max_new_tokens": args.new, "temperature": 0.0, "ignore_eos": True}
        with SGLangClient(url, timeout_s=max(60.0, report.remaining())) as client:
            t0 = time.perf_counter()
            first = client.generate(prompts, params, return_logprob=False)
            out["first_request_s"] = round(time.perf_counter() - t0, 3)
            times, counts = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                outs = client.generate(prompts, params, return_logprob=False)
                times.append(time.perf_counter() - t)
                counts.append(sum(len(o.output_ids) for o in outs))
        if any(c != len(prompts) * args.new for c in counts):
            raise RuntimeError(f"the server generated {counts} tokens per request, expected {len(prompts) * args.new}")
    except Exception as err:  # noqa: BLE001 - keep the command and the server's last words (the log goes with --work)
        server.stop()
        return {**out, **error_record(err), "log_tail": server.log_tail(3000)}
    server.stop()
    run_s = median(times)
    rate = counts[0] / run_s
    ours = keep.get("sampler_tokens")
    theirs = np.array([o.output_ids for o in first]) if all(len(o.output_ids) == args.new for o in first) else None
    out.update({
        "what": "POST /generate with input_ids (one request per batch), greedy, ignore_eos; HTTP included",
        "batch": len(prompts), "new_tokens": args.new, "generated_tokens": counts[0],
        "run_s": [round(t, 4) for t in times], "median_s": round(run_s, 4), "tokens_per_s": rate,
    })
    sampler_rate = report.data.get("sampler", {}).get("tokens_per_s")
    out["ratio_sampler_over_sglang"] = sampler_rate / rate if sampler_rate else None
    # bf16 kernels differ: greedy paths split once a near-tie flips; this is information, not a check.
    same = ours is not None and theirs is not None and ours.shape == theirs.shape
    out["greedy_tokens_identical_fraction"] = float((ours == theirs).mean()) if same else None
    out["greedy_first_token_identical_fraction"] = float((ours[:, 0] == theirs[:, 0]).mean()) if same else None
    return out

"""Verified episodes per second with the programmatic backends, on one core.

Peer, measured in the same run on the same blueprints: the same pipeline with
every verification gate off (plan + role-play + tool simulation only). The
ratio says what verification costs; the absolute number is checked against
the issue's target of >= 500 verified episodes/s. Nothing is written to disk
(the JSONL writer is timed separately by `inftool synth`).

    python benchmarks/bench_synth.py [--num 3000] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pipeline(tools, verify: bool, seed: int):
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.pipeline import Synthesis

    cfg = SynthConfig()
    if not verify:
        for gate in ("execution", "schema_valid", "grounded", "plan_match", "near_duplicate"):
            setattr(cfg.verification, gate, False)
    return Synthesis(tools, cfg, seed, "/nonexistent-not-written")


def _measure(run, num: int) -> tuple[float, int]:
    kept = 0
    start = time.perf_counter()
    index = 0
    while kept < num:
        episode, _ = run.produce(index)
        kept += episode is not None
        index += 1
    return time.perf_counter() - start, index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says

    from inftool_jax.tools.catalog import load_catalog

    tools = load_catalog([ROOT / "configs" / "specs"]).tools
    # warm caches (schemas, validators, phrase tables) on both before timing
    for verify in (True, False):
        _measure(_pipeline(tools, verify, args.seed + 1), 200)
    t_on, tried_on = _measure(_pipeline(tools, True, args.seed), args.num)
    t_off, tried_off = _measure(_pipeline(tools, False, args.seed), args.num)
    rate_on = args.num / t_on
    rate_off = args.num / t_off
    print(f"catalog: {len(tools)} tools; {args.num} kept episodes each")
    print(f"verified pipeline:        {rate_on:8.0f} kept episodes/s ({tried_on} blueprints, {tried_on - args.num} rejected)")
    print(f"peer, verification off:   {rate_off:8.0f} episodes/s ({tried_off} blueprints)")
    print(f"ratio verified/unverified: {rate_on / rate_off:.2f}x   target >= 500 verified/s: {'met' if rate_on >= 500 else 'NOT met'}")


if __name__ == "__main__":
    main()

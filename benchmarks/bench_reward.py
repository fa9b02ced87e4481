"""Gated reward: completions scored per second, JAX kernel vs the plain-Python reference, same batch.

(a) kernel alone on already-parsed, already-encoded calls (device-resident,
    block_until_ready, compile excluded and reported separately) vs the
    reference on the same parsed calls (target >= 50x). Also shown: the
    reference on only the rows the kernel encodes (the kernel merely copies
    the fallback rows' reference results).
(b) end to end from model text: parse + encode + reference for the
    completions outside the kernel's limits + kernel + read-back, vs parse +
    reference (target: never slower than the reference). Parsing is the same
    code on both paths.

Both paths are timed interleaved, best of ``--repeats`` each, because the
machine is shared and load hits every path alike.

    python benchmarks/bench_reward.py --prompts 1024 --group 8 --repeats 15
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _cases():
    path = pathlib.Path(__file__).resolve().parents[1] / "tests" / "grading" / "reward_cases.py"
    spec = importlib.util.spec_from_file_location("reward_cases", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=1024, help="distinct targets (B)")
    ap.add_argument("--group", type=int, default=8, help="completions per target (G)")
    ap.add_argument("--repeats", type=int, default=15, help="interleaved repeats; the best of each path is reported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sweep", action="store_true", help="also time the kernel alone at smaller batch sizes")
    ap.add_argument("--max-calls", type=int, default=None, help="override RewardConfig.max_calls")
    ap.add_argument("--max-params", type=int, default=None, help="override RewardConfig.max_params")
    args = ap.parse_args()

    import jax
    import numpy as np
    from tqdm import tqdm

    from inftool_jax.calls import get_format
    from inftool_jax.grading.gated_reward import GatedReward
    from inftool_jax.grading.reward_config import RewardConfig
    from inftool_jax.grading.reward_encode import encode_batch
    from inftool_jax.grading.reward_reference import score_reference
    from inftool_jax.grading.reward_target import Attempt

    load_start = _load()
    cases = _cases()
    limits = {k: v for k, v in (("max_calls", args.max_calls), ("max_params", args.max_params)) if v is not None}
    config = RewardConfig(call_format="hermes", **limits)
    fmt = get_format(config.call_format)
    attempts, targets = cases.random_batch(args.seed, args.prompts, args.group)
    n = len(attempts)
    # the texts the policy would have written: the attempts rendered in the call format
    texts = [fmt.render(a.parsed.calls) if a.parsed.calls else (a.parsed.content or "ok") for a in attempts]
    texts = [t if a.parsed.ok else "<tool_call>{broken" for t, a in zip(texts, attempts)]
    extras = [(a.results, a.state) for a in attempts]

    # targets stay prepared across batches on both paths (the reference's checker prepares each target once
    # and keeps it on the target); values made by the policy are memoised within one batch only, so repeating
    # the batch does not make the kernel path look faster than a fresh batch would be
    scorer = GatedReward(config, cache_targets=True)
    cold_scorer = GatedReward(config, cache_targets=False)
    batch = encode_batch(attempts, targets, config)
    fb = np.zeros(batch.attempts.shape[1], np.float32)  # the fallback rows' values do not change the kernel's work
    kernel_in = jax.device_put((batch.attempts, batch.targets, fb))
    t0 = time.perf_counter()
    jax.block_until_ready(scorer._kernel(*kernel_in))
    compile_s = time.perf_counter() - t0
    encoded_pairs = [(a, t) for a, t, e in zip(attempts, targets, batch.encoded) if e]

    def kernel_only():
        jax.block_until_ready(scorer._kernel(*kernel_in))

    def reference_only():
        for a, t in zip(attempts, targets):
            score_reference(a, t, config)

    def reference_encoded_rows():
        for a, t in encoded_pairs:
            score_reference(a, t, config)

    def parse_all():
        return [Attempt(fmt.parse(text), r, s) for text, (r, s) in zip(texts, extras)]

    def end_to_end_kernel():
        scorer.score(parse_all(), targets)

    def end_to_end_kernel_cold():
        cold_scorer.score(parse_all(), targets)

    def end_to_end_reference():
        for a, t in zip(parse_all(), targets):
            score_reference(a, t, config)

    # sanity: both paths give the same rewards on this batch
    ref = np.array([score_reference(a, t, config).reward for a, t in zip(parse_all(), targets)], np.float32)
    got = scorer.score(parse_all(), targets).rewards
    assert np.array_equal(ref, got), "kernel and reference disagree"

    paths = {
        "kernel": kernel_only,
        "reference": reference_only,
        "reference_encoded": reference_encoded_rows,
        "e2e_kernel": end_to_end_kernel,
        "e2e_reference": end_to_end_reference,
        "encode": lambda: encode_batch(attempts, targets, config),
        "encode_cold": lambda: encode_batch(attempts, targets, config, cache=False),
        "e2e_kernel_cold": end_to_end_kernel_cold,
        "parse": parse_all,
    }
    best = {name: float("inf") for name in paths}
    for _ in tqdm(range(args.repeats), desc="repeats", leave=False):
        for name, fn in paths.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    t = best

    def rate(s: float) -> str:
        return f"{n / s:12,.0f} completions/s ({s * 1e3:8.2f} ms)"

    fallback = int((~batch.encoded).sum())
    print(f"batch: {n} completions ({args.prompts} prompts x G={args.group}), max_calls={config.max_calls} "
          f"max_params={config.max_params}, {fallback} ({100 * fallback / n:.1f}%) scored by the reference fallback")
    for reason, count in sorted(batch.reasons.items(), key=lambda kv: -kv[1]):
        print(f"    fallback: {count:5d}  {reason}")
    print(f"load average (1/5/15 min): start {load_start}, end {_load()}; best of {args.repeats} interleaved repeats")
    print(f"kernel compile: {compile_s:.2f} s (once per bucketed shape {batch.attempts.shape} / {batch.targets.shape}; not in the timings)")
    print(f"(a) kernel only                 {rate(t['kernel'])}")
    print(f"    reference (parsed, all rows) {rate(t['reference'])}")
    print(f"    ratio kernel/reference: {t['reference'] / t['kernel']:.1f}x  (target >= 50x)")
    print(f"    ratio on the kernel-encoded rows only: {t['reference_encoded'] / t['kernel']:.1f}x "
          f"(reference on {len(encoded_pairs)} rows vs the kernel on the whole batch)")
    print(f"    encode alone                {rate(t['encode'])} (targets prepared before, values memoised per batch)")
    print(f"    encode, targets too         {rate(t['encode_cold'])} (each target encoded again in this batch)")
    print(f"    parse alone                 {rate(t['parse'])}")
    print(f"(b) end to end, kernel path     {rate(t['e2e_kernel'])} (parse + encode + fallback + kernel)")
    print(f"    end to end, reference path  {rate(t['e2e_reference'])} (parse + reference)")
    print(f"    ratio kernel path/reference path: {t['e2e_reference'] / t['e2e_kernel']:.2f}x  (target >= 1x)")
    print(f"    with every target encoded in the timed batch: {t['e2e_reference'] / t['e2e_kernel_cold']:.2f}x "
          "(the reference's target preparation stays untimed: a lower bound)")
    print(f"    scoring without the shared parse: {(t['e2e_reference'] - t['parse']) / (t['e2e_kernel'] - t['parse']):.2f}x "
          f"(best e2e minus best parse on each side)")

    if args.sweep:
        print("kernel alone by batch size (compile per bucketed shape; per-completion cost vs the reference's):")
        per_ref = t["reference"] / n
        size = n
        while size >= args.group * 8:
            part = encode_batch(attempts[:size], targets[:size], config)
            inputs = jax.device_put((part.attempts, part.targets, np.zeros(part.attempts.shape[1], np.float32)))
            t0 = time.perf_counter()
            jax.block_until_ready(scorer._kernel(*inputs))
            comp = time.perf_counter() - t0
            best_k = float("inf")
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                jax.block_until_ready(scorer._kernel(*inputs))
                best_k = min(best_k, time.perf_counter() - t0)
            print(f"    N={size:6d}: {best_k * 1e3:7.3f} ms, {best_k / size * 1e6:6.3f} us/completion, "
                  f"{per_ref * size / best_k:6.1f}x the reference; compile {comp:.2f} s")
            size //= 4


if __name__ == "__main__":
    main()

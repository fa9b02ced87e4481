"""Gated reward: completions scored per second, JAX kernel vs the plain-Python reference, same batch.

(a) kernel alone on already-parsed, already-encoded calls vs the reference on
    the same parsed calls (target >= 50x);
(b) end to end from model text: parse + encode + kernel (+ reference for the
    few completions outside the kernel's limits) vs parse + reference
    (target: never slower than the reference).

    python benchmarks/bench_reward.py --prompts 1024 --group 8
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _cases():
    path = pathlib.Path(__file__).resolve().parents[1] / "tests" / "rl" / "reward_cases.py"
    spec = importlib.util.spec_from_file_location("reward_cases", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=1024, help="distinct targets (B)")
    ap.add_argument("--group", type=int, default=8, help="completions per target (G)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import jax
    import numpy as np

    from inftool_jax.calls import get_format
    from inftool_jax.calls.call import ParseResult
    from inftool_jax.rl.gated_reward import GatedReward
    from inftool_jax.rl.reward_config import RewardConfig
    from inftool_jax.rl.reward_encode import arrays_dict, encode_batch
    from inftool_jax.rl.reward_reference import score_reference
    from inftool_jax.rl.reward_target import Attempt

    cases = _cases()
    config = RewardConfig(call_format="hermes")
    fmt = get_format(config.call_format)
    attempts, targets = cases.random_batch(args.seed, args.prompts, args.group)
    n = len(attempts)
    # the texts the policy would have written: the attempts rendered in the call format
    texts = [fmt.render(a.parsed.calls) if a.parsed.calls else (a.parsed.content or "ok") for a in attempts]
    texts = [t if a.parsed.ok else "<tool_call>{broken" for t, a in zip(texts, attempts)]
    extras = [(a.results, a.state) for a in attempts]

    scorer = GatedReward(config, args.group)
    a_arr, t_arr, encoded = encode_batch(attempts, targets, config)
    kernel_in = (arrays_dict(a_arr), arrays_dict(t_arr), {"use": ~encoded, "reward": np.zeros(n, np.float32), "first_failed": np.zeros(n, np.int32)})
    kernel_in = jax.device_put(kernel_in)
    jax.block_until_ready(scorer._kernel(*kernel_in))  # compile once, outside the timing

    def kernel_only():
        jax.block_until_ready(scorer._kernel(*kernel_in))

    def reference_only():
        for a, t in zip(attempts, targets):
            score_reference(a, t, config)

    def parse_all():
        return [Attempt(fmt.parse(text), r, s) for text, (r, s) in zip(texts, extras)]

    def end_to_end_kernel():
        scorer.score(parse_all(), targets)

    def end_to_end_reference():
        for a, t in zip(parse_all(), targets):
            score_reference(a, t, config)

    # sanity: both paths give the same rewards on this batch
    ref = np.array([score_reference(a, t, config).reward for a, t in zip(parse_all(), targets)], np.float32)
    got = scorer.score(parse_all(), targets).rewards
    assert np.array_equal(ref, got), "kernel and reference disagree"

    # interleaved repeats, best of each: the machine is shared, so load hits every path alike
    paths = {"kernel": kernel_only, "reference": reference_only, "e2e_kernel": end_to_end_kernel,
             "e2e_reference": end_to_end_reference, "encode": lambda: encode_batch(attempts, targets, config)}
    best = {name: float("inf") for name in paths}
    for _ in range(args.repeats):
        for name, fn in paths.items():
            best[name] = min(best[name], _best(fn, 1))
    t_kernel, t_ref, t_e2e_kernel, t_e2e_ref, t_encode = (best[k] for k in paths)

    print(f"batch: {n} completions ({args.prompts} prompts x G={args.group}), {int((~encoded).sum())} outside kernel limits, devices={jax.devices()[0].platform}")
    print(f"(a) kernel only        {n / t_kernel:12,.0f} completions/s")
    print(f"    reference (parsed) {n / t_ref:12,.0f} completions/s")
    print(f"    ratio kernel/reference: {t_ref / t_kernel:.1f}x  (target >= 50x)")
    print(f"    encode alone       {n / t_encode:12,.0f} completions/s")
    print(f"(b) end to end, kernel path    {n / t_e2e_kernel:10,.0f} completions/s (parse + encode + kernel)")
    print(f"    end to end, reference path {n / t_e2e_ref:10,.0f} completions/s (parse + reference)")
    print(f"    ratio kernel path/reference path: {t_e2e_ref / t_e2e_kernel:.2f}x  (target >= 1x)")


if __name__ == "__main__":
    main()

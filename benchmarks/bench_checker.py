"""Our BFCL checker against the official bfcl_eval one, end to end (decode + check).

Builds N answers (default 10,000) from the corruption suite over the Python
AST and relevance categories (ground truth and systematic corruptions, so
both passes and every failure path are timed), then times:

- official: ``default_decode_ast_prompting`` + ``ast_checker`` (or the
  relevance rule), as ``eval_runner`` applies them;
- ours: ``prepare`` once per entry (included in the timing) + ``check_result``
  (which decodes with ``inftool_jax.calls.parse_python(text, bfcl_compat=True)``).

The answers are arithmetic-free: the official decoder ``eval``s arithmetic and
ours refuses it by design (see tests/evaluate/test_bfcl_agreement.py), so the
verdicts on those would differ on purpose.

Asserts both give the same verdict for every answer, prints verdicts/s for
both and the ratio. Times are this process's CPU time (best of ``--repeats``
alternating runs), so other work on a shared machine disturbs the ratio less.
Run: ``python benchmarks/bench_checker.py [--n 10000]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "evaluate"))

import bfcl_official  # noqa: E402
import corruptions  # noqa: E402

from inftool_jax.evaluate import bfcl_data
from inftool_jax.grading import bfcl_checker  # noqa: E402


def build_answers(n: int, seed: int) -> list[tuple[str, object, str]]:
    """(category, entry, answer text) triples, n of them, sampled evenly across categories."""
    pool = []
    for category in bfcl_data.CATEGORIES:
        for entry in bfcl_data.load_category(category).values():
            for name, result in corruptions.variants(category, entry.functions, entry.ground_truth):
                if isinstance(result, str) and name not in corruptions.ARITHMETIC:
                    pool.append((category, entry, result))
    rng = random.Random(seed)
    return [pool[i] for i in sorted(rng.sample(range(len(pool)), min(n, len(pool))))]


def run_official(answers) -> tuple[list, float]:
    ns = bfcl_official.load()
    verdicts = []
    start = time.process_time()
    for category, entry, text in answers:
        try:
            verdicts.append(bfcl_official.official_verdict(category, text, entry.functions, entry.ground_truth)[0])
        except Exception:  # the official checker crashes on a few malformed entries
            verdicts.append(None)
    del ns
    return verdicts, time.process_time() - start


def run_ours(answers) -> tuple[list, float]:
    verdicts = []
    start = time.process_time()
    cache: dict[tuple[str, str], bfcl_checker.PreparedEntry] = {}
    for category, entry, text in answers:
        key = (category, entry.id)
        prepared = cache.get(key)
        if prepared is None:
            prepared = cache[key] = bfcl_checker.prepare(entry.ground_truth, entry.functions, category)
        verdicts.append(bfcl_checker.check_result(prepared, text).valid)
    return verdicts, time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="number of answers (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="best of this many timed runs (alternating)")
    args = parser.parse_args()
    if not bfcl_official.available():
        print("bfcl_eval is not importable; install it with `pip install --no-deps bfcl-eval`", file=sys.stderr)
        return 1
    answers = build_answers(args.n, args.seed)
    t_off = t_ours = float("inf")
    for _ in range(args.repeats):
        official, t = run_official(answers)
        t_off = min(t_off, t)
        ours, t = run_ours(answers)
        t_ours = min(t_ours, t)
    compared = [(o, m) for o, m in zip(official, ours) if o is not None]
    mismatches = sum(o != m for o, m in compared)
    assert mismatches == 0, f"{mismatches} verdicts differ from the official checker"
    n = len(answers)
    print(f"answers: {n} ({n - len(compared)} skipped in the comparison: official checker crashed)")
    print(f"official bfcl_eval : {n / t_off:10,.0f} verdicts/s  ({t_off * 1e6 / n:.1f} us each)")
    print(f"inftool_jax        : {n / t_ours:10,.0f} verdicts/s  ({t_ours * 1e6 / n:.1f} us each, prepare included)")
    print(f"ratio (ours / official): {t_off / t_ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

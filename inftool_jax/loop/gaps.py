"""Gap analysis: where the probed policy fails (per category, tool, failing gate and error type), with counts.

Pure functions over probe rows (see :mod:`inftool_jax.loop.probe`); the result is written as ``gaps.json``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence


def _rates(rows: Iterable[dict[str, Any]], keys_of) -> dict[str, dict[str, float]]:
    n: Counter = Counter()
    wrong: Counter = Counter()
    for row in rows:
        for key in keys_of(row):
            n[key] += 1
            wrong[key] += not row["exact"]
    return {k: {"turns": n[k], "errors": wrong[k], "error_rate": wrong[k] / n[k]} for k in sorted(n)}


def analyse(rows: Sequence[dict[str, Any]], hard_limit: int = 200, uncertain_limit: int = 200) -> dict[str, Any]:
    """Error rates per category, tool, first failed gate and error type; the hard and uncertain-but-right cases.

    Hard cases: failed turns, worst reward first. Uncertain cases: right turns whose ground truth the policy
    found least likely (lowest mean token log-prob first). Both lists are ordered deterministically.
    """
    total = len(rows)
    errors = sum(not r["exact"] for r in rows)
    by_gate = Counter(r["first_failed_gate"] for r in rows if not r["exact"] and r.get("first_failed_gate"))
    by_type = Counter(r["error_type"] for r in rows if not r["exact"] and r.get("error_type"))
    hard = sorted((r for r in rows if not r["exact"]), key=lambda r: (r["reward"], str(r["episode"]), r["message_index"]))
    right = [r for r in rows if r["exact"] and r.get("gt_logprob") is not None]
    uncertain = sorted(right, key=lambda r: (r["gt_logprob"], str(r["episode"]), r["message_index"]))
    per_episode: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        per_episode[str(r["episode"])].append(bool(r["exact"]))
    return {
        "turns": total,
        "errors": errors,
        "error_rate": errors / total if total else 0.0,
        "per_category": _rates(rows, lambda r: [r["category"]]),
        "per_tool": _rates(rows, lambda r: r.get("tools") or []),
        "per_decision": _rates(rows, lambda r: [r["decision"]]),
        "per_gate": dict(sorted(by_gate.items())),
        "per_error_type": dict(by_type.most_common()),
        "hard_cases": [_case(r) for r in hard[:hard_limit]],
        "uncertain_cases": [_case(r) for r in uncertain[:uncertain_limit]],
        "episodes_all_right": sum(all(v) for v in per_episode.values()),
    }


def _case(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("episode", "message_index", "category", "decision", "tools", "reward", "first_failed_gate", "error_type",
            "gt_logprob", "source")
    return {k: row.get(k) for k in keys}

"""Plan a round of synthesis from the gap analysis: category weights, failed cases to expand, uncertain cases to keep.

Pure functions; the plan is written as ``plan.json`` with the reason for each choice, and the synthesis stage
follows it (see :mod:`inftool_jax.loop.targeted_synth`).
"""

from __future__ import annotations

from typing import Any

from inftool_jax.loop.config import LoopConfig


def category_weights(gaps: dict[str, Any], mix: dict[str, float], floor: float) -> tuple[dict[str, float], dict[str, str]]:
    """Shares of the fresh data per category: ``floor`` each, the rest in proportion to the probed error rates.

    Only categories the config's mix switches on take part. A category the probe did not see gets the mean error
    rate of those it saw. With no error anywhere, the config's own mix is kept. Returns (weights, reasons).
    """
    active = [c for c, w in mix.items() if w > 0]
    seen = gaps.get("per_category", {})
    rates = {c: seen[c]["error_rate"] for c in active if c in seen}
    mean = sum(rates.values()) / len(rates) if rates else 0.0
    for c in active:
        rates.setdefault(c, mean)
    reasons: dict[str, str] = {}
    total_rate = sum(rates.values())
    if total_rate <= 0:
        total_mix = sum(mix[c] for c in active)
        weights = {c: mix[c] / total_mix for c in active}
        reasons = {c: "no probed errors anywhere: the config's mix" for c in active}
        return weights, reasons
    floor = min(floor, 1.0 / len(active))
    rest = 1.0 - floor * len(active)
    weights = {c: floor + rest * rates[c] / total_rate for c in active}
    for c in active:
        if c in seen:
            reasons[c] = f"error rate {rates[c]:.2f} on {seen[c]['turns']} probed turns"
        else:
            reasons[c] = f"not probed: mean error rate {mean:.2f}"
        reasons[c] += f" -> share {weights[c]:.3f} (floor {floor:.3f})"
    return weights, reasons


def make_plan(gaps: dict[str, Any], loop: LoopConfig, mix: dict[str, float], budget: int) -> dict[str, Any]:
    """The round's plan for ``budget`` training episodes (targeted: see the module docstring)."""
    weights, reasons = category_weights(gaps, mix, loop.category_floor)
    hard = [c for c in gaps.get("hard_cases", []) if c.get("tools") and mix.get(c["category"], 0) > 0]
    from_failures = min(round(loop.failure_share * budget), loop.expansions_per_failure * len(hard))
    uncertain = [c for c in gaps.get("uncertain_cases", [])]
    episodes, seen = [], set()
    for case in uncertain:
        if case["episode"] not in seen:
            seen.add(case["episode"])
            episodes.append(case)
    uncertain_kept = min(round(loop.uncertain_share * budget), len(episodes))
    fresh = budget - from_failures - uncertain_kept
    # Each failed case seeds M blueprints in turn (case 0 x M, case 1 x M, ...) until the share is spent.
    cases_used = -(-from_failures // loop.expansions_per_failure) if from_failures else 0
    return {
        "targeting": "gaps",
        "budget": budget,
        "category_weights": weights,
        "category_reasons": reasons,
        "from_failures": from_failures,
        "failure_cases": [{"category": c["category"], "tools": c["tools"], "episode": c["episode"],
                           "error_type": c.get("error_type"), "first_failed_gate": c.get("first_failed_gate")}
                          for c in hard[:cases_used]],
        "failure_reason": f"{len(hard)} failed probe turns; each seeds {loop.expansions_per_failure} blueprints "
                          f"(same category and tools), capped at failure_share {loop.failure_share} of {budget}",
        "uncertain_kept": uncertain_kept,
        "uncertain_episodes": [c["episode"] for c in episodes[:uncertain_kept]],
        "uncertain_reason": f"{len(episodes)} episodes answered right with the least sure ground truth; "
                            f"capped at uncertain_share {loop.uncertain_share} of {budget}",
        "fresh": fresh,
    }


def static_plan(mix: dict[str, float], budget: int) -> dict[str, Any]:
    """The baseline: the same budget of fresh data from the config's mix."""
    active = {c: w for c, w in mix.items() if w > 0}
    total = sum(active.values())
    return {
        "targeting": "static",
        "budget": budget,
        "category_weights": {c: w / total for c, w in active.items()},
        "category_reasons": {c: "static targeting: the config's mix" for c in active},
        "from_failures": 0,
        "failure_cases": [],
        "uncertain_kept": 0,
        "uncertain_episodes": [],
        "fresh": budget,
    }

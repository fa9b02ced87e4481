"""Held-out synthetic evaluation: greedy turns on held-out episodes, scored by the checker and the gated reward.

Every ground-truth assistant turn of every held-out episode is one task: the
policy sees the true conversation up to that turn and writes one assistant
turn (greedy). A turn is an *exact match* when its text parses and

- for a call turn, the BFCL checker accepts its calls against the turn's
  acceptable values (parallel semantics, order-free, optimal matching);
- for a no-call or clarification turn, it makes no call.

``accuracy`` is the share of exact-match turns. The same completions are
scored by the gated reward (execution-scored turns run their calls against the
episode's re-created world), giving ``reward_mean`` and per-gate pass rates.
Figures are also broken down per episode category.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

import numpy as np

from inftool_jax.evaluate.bfcl_checker import check_calls
from inftool_jax.rl.reward_config import GATES, RewardConfig
from inftool_jax.rollout.episode_rollout import Rollout
from inftool_jax.synth.episode import turn_to_bfcl_answer


def exact_match(rollout: Rollout) -> bool:
    """The checker's verdict on one single-turn rollout (see the module docstring)."""
    task = rollout.task
    turn = task.episode["ground_truth"][task.turn_indices[0]]
    parsed = rollout.attempt.parsed
    if not parsed.ok:
        return False
    if turn.get("decision", "call") != "call":
        return not parsed.calls
    if not parsed.calls:
        return False
    docs = [t.get("function", t) for t in task.episode.get("tools") or []]
    return bool(check_calls(parsed.calls, turn_to_bfcl_answer(turn), docs, "parallel", matching="optimal").valid)


def score_rollouts(rollouts: Sequence[Rollout], reward_config: RewardConfig) -> dict[str, Any]:
    """Accuracy, reward mean, per-gate pass rates, overall and per category, plus one row per turn."""
    from inftool_jax.rl.gated_reward import GatedReward

    if not rollouts:
        return {"turns": 0, "accuracy": 0.0, "reward_mean": 0.0, "gates": {g: 0.0 for g in GATES}, "categories": {}, "rows": []}
    scorer = GatedReward(reward_config, group_size=1)
    batch = scorer.score([r.attempt for r in rollouts], [r.task.target for r in rollouts])
    exact = np.array([exact_match(r) for r in rollouts], bool)
    rows = []
    for i, r in enumerate(rollouts):
        rows.append({
            "episode": r.task.episode.get("id"),
            "message_index": r.task.message_index,
            "category": r.task.category,
            "decision": r.task.target.decision,
            "exact": bool(exact[i]),
            "reward": float(batch.rewards[i]),
            "first_failed_gate": GATES[int(batch.first_failed[i])] if int(batch.first_failed[i]) < len(GATES) else None,
            "text": r.texts[0] if r.texts else "",
        })

    def summary(idx: np.ndarray) -> dict[str, Any]:
        return {
            "turns": int(len(idx)),
            "accuracy": float(exact[idx].mean()),
            "reward_mean": float(batch.rewards[idx].mean()),
            "gates": {g: float(batch.passed[idx, k].mean()) for k, g in enumerate(GATES)},
        }

    by_cat: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rollouts):
        by_cat[r.task.category].append(i)
    out = summary(np.arange(len(rollouts)))
    out["episodes"] = len({id(r.task.episode) for r in rollouts})
    out["categories"] = {c: summary(np.asarray(ix)) for c, ix in sorted(by_cat.items())}
    out["rows"] = rows
    return out

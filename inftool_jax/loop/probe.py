"""Probe the current policy: greedy turns over a pool of episodes, each scored with what went wrong and how sure it was.

Every single-turn task of the pool gets one row: exact (the BFCL checker's verdict), the gated reward and its first
failed gate, the checker's error type, the ground-truth tools, and the mean token log-prob of the ground-truth
answer under the policy (teacher-forced: how unsure the model is of the right answer, right or wrong).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from inftool_jax.evaluate.synthetic_eval import turn_error_type
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.model.episode_tokens import tokenize_episode
from inftool_jax.sft.trainer import assistant_turns


def ground_truth_tools(task: Any) -> list[str]:
    turn = task.episode["ground_truth"][task.turn_indices[0]]
    return sorted({c["name"] for c in turn.get("calls") or []})


def ground_truth_logprobs(model: Any, tokenizer: Any, episodes: Sequence[dict[str, Any]], batch_size: int = 8,
                          bucket: int = 64) -> dict[tuple[str, int], float]:
    """``{(episode id, assistant message index): mean token log-prob of that assistant message}``, teacher-forced."""
    import jax
    import jax.numpy as jnp
    from flax import nnx

    @nnx.jit
    def token_logprobs(m, ids, mask):
        logits = m(ids, attention_mask=mask)[:, :-1].astype(jnp.float32)
        logp = jax.nn.log_softmax(logits, axis=-1)
        return jnp.take_along_axis(logp, ids[:, 1:, None], axis=-1)[..., 0]

    rows = []
    for episode in episodes:
        ids, mask = tokenize_episode(tokenizer, episode)
        index = [i for i, m in enumerate(episode["messages"]) if m.get("role") == "assistant"]
        rows.append((episode, ids, mask, index))
    out: dict[tuple[str, int], float] = {}
    rows.sort(key=lambda r: len(r[1]))
    pad = tokenizer.pad_token_id or 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        length = -(-max(len(r[1]) for r in chunk) // bucket) * bucket
        ids = np.full((len(chunk), length), pad, np.int32)
        attn = np.zeros((len(chunk), length), np.int32)
        for i, (_, row_ids, _, _) in enumerate(chunk):
            ids[i, : len(row_ids)] = row_ids
            attn[i, : len(row_ids)] = 1
        logp = np.asarray(token_logprobs(model, jnp.asarray(ids), jnp.asarray(attn)))
        for i, (episode, row_ids, mask, index) in enumerate(chunk):
            # The k-th run of assistant tokens is the k-th assistant message (tool messages split the runs).
            for message_index, (a, b) in zip(index, assistant_turns(mask)):
                out[(episode["id"], message_index)] = float(logp[i, a - 1 : b - 1].mean()) if b > a else 0.0
    return out


def probe_rows(rollouts: Sequence[Any], scored: dict[str, Any], logprobs: dict[tuple[str, int], float]) -> list[dict[str, Any]]:
    """One row per probed turn: the evaluation's row plus error type, tools and ground-truth log-prob."""
    rows = []
    for rollout, row in zip(rollouts, scored["rows"]):
        task = rollout.task
        rows.append({
            **{k: v for k, v in row.items() if k != "text"},
            "error_type": turn_error_type(rollout),
            "tools": ground_truth_tools(task),
            "gt_logprob": logprobs.get((task.episode["id"], task.message_index)),
            "source": task.source,
        })
    return rows


def probe(model: Any, tokenizer: Any, pools: dict[str, Sequence[dict[str, Any]]], env: Any, reward: RewardConfig, mesh: Any,
          max_new_tokens: int, batch_size: int, progress: bool = False) -> list[dict[str, Any]]:
    """Greedy single-turn rollouts over every ground-truth turn of the episodes of each named pool, as probe rows
    (each row's ``source`` is its pool's name)."""
    from inftool_jax.evaluate.synthetic_eval import greedy_rollouts, score_rollouts
    from inftool_jax.rollout.episode_rollout import single_turn_tasks

    tasks, episodes = [], []
    for name, pool in pools.items():
        for episode in pool:
            env.check_episode(episode, f"{name}/episode {episode.get('id')}")
            tasks.extend(single_turn_tasks(episode, name))
            episodes.append(episode)
    rollouts = greedy_rollouts(model, tokenizer, tasks, env, reward, mesh, max_new_tokens, batch_size, progress)
    scored = score_rollouts(rollouts, reward)
    return probe_rows(rollouts, scored, ground_truth_logprobs(model, tokenizer, episodes))

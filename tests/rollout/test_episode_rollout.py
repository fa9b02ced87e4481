"""Rollouts on dataset episodes: prompts are the true prefix, masks cover exactly the policy's tokens,
agentic rollouts execute calls and splice results through the chat template.

The policies here are real deterministic functions of the prompt tokens: an oracle that answers with the
episode's own assistant turn (as tokenize_episode renders it) and a policy that always answers in prose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inftool_jax.evaluate.synthetic_eval import exact_match, score_rollouts
from inftool_jax.model.episode_tokens import episode_segments, tokenize_episode
from inftool_jax.bootstrap.tiny_model import corpus_texts, train_tokenizer
from inftool_jax.model.tokenizer import load_tokenizer, save_tokenizer
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.rollout.episode_rollout import (
    EpisodeRollouts,
    Generated,
    agentic_tasks,
    pad_rollouts,
    single_turn_tasks,
)
from inftool_jax.rollout.tool_env import ToolEnvironment

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


@pytest.fixture(scope="module")
def episodes(catalog, synthesize, tmp_path_factory):
    return synthesize(catalog, tmp_path_factory.mktemp("synth"), 60, 5)[1]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tok")
    save_tokenizer(train_tokenizer(corpus_texts([SPECS], 1), 1200), folder)
    return load_tokenizer(folder)


def oracle(tokenizer, episodes):
    """Prompt tokens -> the episode's next assistant turn, for every assistant turn of every episode."""
    table = {}
    for episode in episodes:
        ids, mask = tokenize_episode(tokenizer, episode)
        k = 0
        while k < len(ids):
            if mask[k]:
                end = k
                while end < len(ids) and mask[end]:
                    end += 1
                table[tuple(ids[:k].tolist())] = ids[k:end]
                k = end
            else:
                k += 1

    def generate(prompts, num_generations):
        out = []
        for p in prompts:
            turn = table[tuple(np.asarray(p).tolist())]
            out += [Generated(turn, tokenizer.decode(turn, skip_special_tokens=True), True)] * num_generations
        return out

    return generate


def prose(tokenizer, text="Sorry, I cannot help with that."):
    ids = np.asarray(tokenizer.encode(text + tokenizer.eos_token, add_special_tokens=False), np.int32)
    return lambda prompts, g: [Generated(ids, text, True) for _ in range(len(prompts) * g)]


def test_the_oracle_policy_scores_full_reward_and_exact_match_on_every_single_turn_task(tokenizer, catalog, episodes):
    runner = EpisodeRollouts(tokenizer, ToolEnvironment(catalog))
    tasks = [t for e in episodes for t in single_turn_tasks(e)]
    rollouts = runner.run_single(tasks, oracle(tokenizer, episodes))
    # Synthesized clarifications do not always end in '?' ("please tell me the order id."), so the
    # default question requirement would fail the ground truth itself.
    result = score_rollouts(rollouts, RewardConfig(clarify_needs_question=False))
    assert result["accuracy"] == 1.0 and result["reward_mean"] == pytest.approx(1.0)
    assert set(result["categories"]) >= {"single", "parallel", "multi_step", "no_call", "clarification"}
    for r in rollouts:  # prompt unmasked, completion masked, nothing else
        assert r.mask[: r.prompt_len].sum() == 0 and r.mask[r.prompt_len :].all()


def test_agentic_oracle_rollouts_rebuild_the_episode_tokens_and_mask_exactly(tokenizer, catalog, episodes):
    env = ToolEnvironment(catalog)
    runner = EpisodeRollouts(tokenizer, env, max_turns=8)
    tasks = [t for e in episodes for t in agentic_tasks(e)]
    rollouts = runner.run_agentic(tasks, oracle(tokenizer, episodes))
    multi = 0
    for r in rollouts:
        ids, mask = tokenize_episode(tokenizer, r.task.episode)
        n = len(r.tokens)
        # the policy's turns, the executed tool results and the template's headers line up token for token
        assert np.array_equal(r.tokens, ids[:n])
        # earlier assistant turns are prompt here: only this task's own turns are trained
        assert r.mask[: r.prompt_len].sum() == 0
        assert np.array_equal(r.mask[r.prompt_len :], mask[r.prompt_len : n])
        assert r.turns == len(r.task.turn_indices)
        multi += r.turns > 1
    assert multi > 0
    batch = score_rollouts_agentic(rollouts)
    assert batch.rewards.min() == pytest.approx(1.0)


def score_rollouts_agentic(rollouts):
    from inftool_jax.grading.gated_reward import GatedReward

    return GatedReward(RewardConfig(clarify_needs_question=False)).score([r.attempt for r in rollouts], [r.task.target for r in rollouts])


def test_a_policy_that_never_calls_fails_call_turns_at_the_decision_gate_and_passes_no_call_turns(tokenizer, catalog, episodes):
    runner = EpisodeRollouts(tokenizer, ToolEnvironment(catalog))
    tasks = [t for e in episodes for t in single_turn_tasks(e)]
    rollouts = runner.run_single(tasks, prose(tokenizer))
    result = score_rollouts(rollouts, RewardConfig())
    for row, r in zip(result["rows"], rollouts):
        if row["decision"] == "call":
            assert row["first_failed_gate"] == "decision" and not row["exact"]
        elif row["decision"] == "no_call":
            assert row["exact"] and row["reward"] == pytest.approx(1.0)
        assert exact_match(r) == row["exact"]
    assert 0 < result["accuracy"] < 1


def test_agentic_rollouts_stop_after_a_prose_answer_with_one_turn(tokenizer, catalog, episodes):
    runner = EpisodeRollouts(tokenizer, ToolEnvironment(catalog), max_turns=4)
    tasks = [t for e in episodes for t in agentic_tasks(e)][:10]
    for r in runner.run_agentic(tasks, prose(tokenizer)):
        assert r.turns == 1 and r.attempt.parsed.ok and not r.attempt.parsed.calls
        assert r.mask.sum() == len(r.tokens) - r.prompt_len


def test_pad_rollouts_right_pads_and_cuts_to_the_length(tokenizer, catalog, episodes):
    runner = EpisodeRollouts(tokenizer, ToolEnvironment(catalog))
    tasks = [t for e in episodes[:3] for t in single_turn_tasks(e)]
    rollouts = runner.run_single(tasks, prose(tokenizer))
    longest = max(len(r.tokens) for r in rollouts)
    tokens, mask, attn = pad_rollouts(rollouts, longest + 5, pad_id=0)
    assert tokens.shape == mask.shape == attn.shape == (len(rollouts), longest + 5)
    assert attn.sum() == sum(len(r.tokens) for r in rollouts) and mask.sum() == sum(r.generated_tokens for r in rollouts)
    short, _, short_attn = pad_rollouts(rollouts, 8)
    assert short.shape[1] == 8 and short_attn.all()


def test_episode_segments_and_rollout_prompts_agree(tokenizer, episodes):
    # a rollout prompt is exactly the unmasked text before the first assistant turn
    runner = EpisodeRollouts(tokenizer, None)
    for episode in episodes[:10]:
        task = single_turn_tasks(episode)[0]
        first_prompt = episode_segments(tokenizer, episode)[0][0]
        assert tokenizer.decode(runner.prompt_tokens(task)) == first_prompt


def test_num_generations_gives_g_rollouts_per_task_task_major_each_in_its_own_world(tokenizer, catalog, episodes):
    runner = EpisodeRollouts(tokenizer, ToolEnvironment(catalog), max_turns=8)
    tasks = [t for e in episodes for t in agentic_tasks(e)][:6]
    base = oracle(tokenizer, episodes)
    calls = []

    def generate(prompts, g):
        calls.append((len(prompts), g))
        return base(prompts, g)

    rollouts = runner.run_agentic(tasks, generate, num_generations=3)
    assert [r.task for r in rollouts] == [t for t in tasks for _ in range(3)]
    assert calls[0] == (6, 3) and all(g == 1 for _, g in calls[1:])  # later rounds: one completion per rollout
    alone = runner.run_agentic(tasks, base)
    for j, r in enumerate(rollouts):  # a shared world would show the other samples' calls in the results
        assert np.array_equal(r.tokens, alone[j // 3].tokens) and r.attempt.results == alone[j // 3].attempt.results
    single = runner.run_single(tasks[:2], base, num_generations=2)
    assert [r.task for r in single] == [tasks[0], tasks[0], tasks[1], tasks[1]]
    with pytest.raises(ValueError, match="completions"):
        runner.run_single(tasks[:2], lambda prompts, g: base(prompts, 1), num_generations=2)

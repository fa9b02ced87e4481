"""Rollouts on dataset episodes: single-turn (one ground-truth assistant turn) and multi-turn agentic.

A *task* is a point of an episode where the policy must act: the true
conversation up to that point is the prompt, a :class:`RewardTarget` grades
what the policy does.

- ``single``: one task per ground-truth assistant turn; the policy writes one
  assistant turn; its calls (for execution-scored turns) run against the
  episode's world at that point, so the execution gate can compare outcomes.
- ``agentic``: one task per user turn; the policy generates, its calls are
  parsed (``config.call_format``) and executed by the in-process simulator,
  the results are appended through the chat template and generation goes on
  until it answers without a call, fails to parse, stops without an end token,
  or reaches ``max_turns``. The target is the user turn's ground-truth calls
  flattened in order (their outputs too, when execution is scored).

Every rollout is one token sequence ``prompt + generated + environment +
generated + ...`` with a mask that is 1 exactly on the policy-generated tokens
(their end-of-turn token included), so tool results and role headers are
never trained on.

Behaviour log-probs: the trainer recomputes them with its own forward pass
over the finished sequences, once, before the update (see
:mod:`inftool_jax.rl.grpo_trainer`), so the sampler's numerics (KV-cache
order of summation, chunking) never enter the importance ratio. Rollouts
therefore carry tokens and masks only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.formats import get_format
from inftool_jax.model.episode_tokens import canonical_messages, tokenize_continuation, tokenize_prompt
from inftool_jax.grading.reward_target import Attempt, RewardTarget, make_target, targets_from_episode
from inftool_jax.rollout.tool_env import ToolEnvironment, assistant_message, tool_messages


@dataclass
class Generated:
    """One completion: its token ids (the stop token included when it stopped) and decoded text."""

    tokens: np.ndarray
    text: str
    finished: bool
    """True when it ended with a stop token (False: cut at max_new_tokens)."""


GenerateFn = Callable[[Sequence[np.ndarray], int], list[Generated]]
"""``generate(prompts, num_generations)``: ``num_generations`` completions of each prompt (token-id arrays), prompt-major
(completion g of prompt i at ``i * num_generations + g``). Randomness is the caller's business."""


@dataclass
class Task:
    """One place in one episode where the policy acts."""

    episode: dict[str, Any]
    message_index: int
    """Index into ``episode["messages"]`` of the first assistant message the policy replaces."""
    target: RewardTarget
    execution: bool
    category: str
    turn_indices: tuple[int, ...]
    """The ground-truth turns (indices into ``episode["ground_truth"]``) the task covers."""
    source: str = "<episode>"

    @property
    def prompt_messages(self) -> list[dict[str, Any]]:
        return self.episode["messages"][: self.message_index]


@dataclass
class Rollout:
    """What the policy did on one task: the token sequence, the trained-token mask and the graded attempt."""

    task: Task
    tokens: np.ndarray  # [L] int32
    mask: np.ndarray  # [L] int32, 1 on policy-generated tokens
    prompt_len: int
    texts: list[str]
    attempt: Attempt
    turns: int
    truncated: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def generated_tokens(self) -> int:
        return int(self.mask.sum())


def single_turn_tasks(episode: dict[str, Any], source: str = "<episode>") -> list[Task]:
    """One task per ground-truth assistant turn, prompted with the true prefix."""
    targets = targets_from_episode(episode, source)
    category = str((episode.get("meta") or {}).get("category", "unknown"))
    out = []
    for t, (turn, target) in enumerate(zip(episode.get("ground_truth") or [], targets)):
        out.append(Task(episode, int(turn["message_index"]), target, bool(turn.get("execution")), category, (t,), source))
    return out


def agentic_tasks(episode: dict[str, Any], source: str = "<episode>") -> list[Task]:
    """One task per user turn: the ground-truth turns from the first assistant reply up to the next user message."""
    truth = episode.get("ground_truth") or []
    messages = episode.get("messages") or []
    per_turn = targets_from_episode(episode, source)
    category = str((episode.get("meta") or {}).get("category", "unknown"))
    groups: list[list[int]] = []
    for t, turn in enumerate(truth):
        m = int(turn["message_index"])
        starts = m > 0 and messages[m - 1].get("role") == "user"
        if starts or not groups:
            groups.append([t])
        else:
            groups[-1].append(t)
    tasks = []
    for group in groups:
        first = truth[group[0]]
        calls = [c for t in group for c in truth[t].get("calls") or []]
        execution = any(truth[t].get("execution") for t in group)
        if calls:
            decision = "call"
            results = None
            if execution:
                results = [r for t in group if per_turn[t].results for r in per_turn[t].results]
                if len(results) != len(calls):
                    results = None
            target = make_target("call", calls, per_turn[group[0]].functions, results=results, source=source,
                                 pointer=f"/ground_truth/{group[0]}")
        else:
            decision = first.get("decision", "no_call")
            target = per_turn[group[0]] if decision != "call" else make_target(decision, [], per_turn[group[0]].functions)
        tasks.append(Task(episode, int(first["message_index"]), target, execution and bool(calls), category, tuple(group), source))
    return tasks


class EpisodeRollouts:
    """Runs tasks through a generation function and the tool environment."""

    def __init__(self, tokenizer: Any, env: ToolEnvironment, call_format: str = "hermes", max_turns: int = 4,
                 max_prompt_tokens: int | None = None):
        self.tokenizer = tokenizer
        self.env = env
        self.parse = get_format(call_format).parse
        self.max_turns = max_turns
        self.max_prompt_tokens = max_prompt_tokens

    def prompt_tokens(self, task: Task) -> np.ndarray:
        return tokenize_prompt(self.tokenizer, task.episode.get("tools"), task.prompt_messages)

    def run_single(self, tasks: Sequence[Task], generate: GenerateFn, num_generations: int = 1) -> list[Rollout]:
        """``num_generations`` one-turn rollouts per task (task-major); execution-scored turns run their calls in the
        episode's world."""
        g = num_generations
        prompts = [self.prompt_tokens(t) for t in tasks]
        outs = _checked(generate(prompts, g), len(prompts) * g)
        rollouts = []
        for j, out in enumerate(outs):
            task, prompt = tasks[j // g], prompts[j // g]
            parsed = self.parse(out.text)
            results: tuple = ()
            if task.execution and parsed.ok and parsed.calls:
                execution = self.env.execute(self.env.world(task.episode, task.message_index), parsed.calls)
                results = execution.canonical_results()
            tokens = np.concatenate([prompt, out.tokens.astype(np.int32)])
            mask = np.concatenate([np.zeros(len(prompt), np.int32), np.ones(len(out.tokens), np.int32)])
            rollouts.append(Rollout(task, tokens, mask, len(prompt), [out.text], Attempt(parsed, results), 1, not out.finished))
        return rollouts

    def run_agentic(self, tasks: Sequence[Task], generate: GenerateFn, num_generations: int = 1) -> list[Rollout]:
        """Multi-turn, ``num_generations`` rollouts per task (task-major): generate, parse, execute, append results,
        repeat (all active rollouts batched per round)."""
        g = num_generations
        prompts = [self.prompt_tokens(t) for t in tasks]
        first = [canonical_messages(list(t.prompt_messages), t.source) for t in tasks]
        tasks = [t for t in tasks for _ in range(g)]
        n = len(tasks)
        seqs = [prompts[i // g] for i in range(n)]
        masks = [np.zeros(len(s), np.int32) for s in seqs]
        prompt_lens = [len(s) for s in seqs]
        messages = [first[i // g] for i in range(n)]  # replaced, never mutated, so the G rollouts may share it
        worlds = [self.env.world(t.episode, t.message_index) for t in tasks]  # one world each: calls change it
        texts: list[list[str]] = [[] for _ in range(n)]
        calls: list[list[Call]] = [[] for _ in range(n)]
        results: list[list[str]] = [[] for _ in range(n)]
        last: list[ParseResult] = [ParseResult(True) for _ in range(n)]
        format_ok = [True] * n
        turns = [0] * n
        truncated = [False] * n
        active = list(range(n))
        outs = _checked(generate(prompts, g), n)  # first round: each task's prompt once, G completions of it
        while active:
            still = []
            for i, out in zip(active, outs):
                turns[i] += 1
                texts[i].append(out.text)
                seqs[i] = np.concatenate([seqs[i], out.tokens.astype(np.int32)])
                masks[i] = np.concatenate([masks[i], np.ones(len(out.tokens), np.int32)])
                parsed = self.parse(out.text)
                last[i] = parsed
                if not parsed.ok:
                    format_ok[i] = False
                    continue
                if not out.finished:
                    truncated[i] = True
                if not parsed.calls or not out.finished:
                    continue
                execution = self.env.execute(worlds[i], parsed.calls)
                calls[i].extend(parsed.calls)
                results[i].extend(execution.canonical_results())
                turn_id = tasks[i].message_index + turns[i]
                before = messages[i] + [assistant_message(parsed.content, parsed.calls, turn_id)]
                after = before + tool_messages(execution, turn_id)
                messages[i] = after
                if turns[i] >= self.max_turns:
                    continue
                env = tokenize_continuation(self.tokenizer, tasks[i].episode.get("tools"), before, after)
                if self.max_prompt_tokens is not None and len(seqs[i]) + len(env) > self.max_prompt_tokens:
                    truncated[i] = True
                    continue
                seqs[i] = np.concatenate([seqs[i], env])
                masks[i] = np.concatenate([masks[i], np.zeros(len(env), np.int32)])
                still.append(i)
            active = still
            outs = generate([seqs[i] for i in active], 1) if active else []
        rollouts = []
        for i, task in enumerate(tasks):
            if format_ok[i]:
                parsed = ParseResult(True, calls[i], last[i].content)
            else:
                parsed = ParseResult(False, [], last[i].content, last[i].error, last[i].position)
            attempt = Attempt(parsed, tuple(results[i]) if task.execution else ())
            rollouts.append(Rollout(task, seqs[i], masks[i], prompt_lens[i], texts[i], attempt, turns[i], truncated[i], messages[i]))
        return rollouts


def _checked(outs: list[Generated], expected: int) -> list[Generated]:
    # zip() would silently drop rollouts if a generation function returned too few completions
    if len(outs) != expected:
        raise ValueError(f"the generation function returned {len(outs)} completions, expected {expected}")
    return outs


def pad_rollouts(rollouts: Sequence[Rollout], length: int, pad_id: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-padded ``(tokens [N, length], loss_mask [N, length], attention_mask [N, length])``; longer rows are cut."""
    n = len(rollouts)
    tokens = np.full((n, length), pad_id, np.int32)
    mask = np.zeros((n, length), np.int32)
    attn = np.zeros((n, length), np.int32)
    for i, r in enumerate(rollouts):
        k = min(len(r.tokens), length)
        tokens[i, :k] = r.tokens[:k]
        mask[i, :k] = r.mask[:k]
        attn[i, :k] = 1
    return tokens, mask, attn

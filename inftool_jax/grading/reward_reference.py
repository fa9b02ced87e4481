"""The gated reward in plain Python: the readable statement of what the JAX kernel computes.

Gates in order (DESIGN.md §5), each stopping credit for all after it:

1. format - the text parsed in the configured call format (or is prose);
2. decision - calls were made iff the turn expects calls; a clarification turn
   also needs a question (a ``?``) when ``clarify_needs_question``;
3. selection - the multiset of called names equals the expected one;
4. arguments - a one-to-one matching of made to expected calls exists in which
   every pair passes the BFCL checker's per-call check (``inftool_jax.grading.bfcl_checker``,
   prepared once per target: ``target.checks``);
   order-free and exact (largest bipartite matching, not BFCL's greedy scan);
   its partial credit counts argument slots or calls (``RewardConfig.argument_credit``,
   :func:`slot_share`);
5. execution - only when the target has ``results``: a perfect matching exists
   in which every pair also has equal execution outputs, and the final state
   equals ``target.state`` when that is given. Otherwise the gate passes.

Turns that expect no call pass gates 3-5 once the decision is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inftool_jax.grading.reward_config import GATES, RewardConfig, gated_reward_value
from inftool_jax.grading.reward_target import Attempt, RewardTarget


@dataclass(frozen=True)
class GateOutcome:
    """One completion's score: ``passed[g]`` for each gate in GATES order, the first failed gate and its partial share."""

    reward: float
    passed: tuple[bool, ...]
    first_failed: int
    num: int = 0
    den: int = 0


def max_matching(edges: list[list[bool]]) -> int:
    """Size of the largest one-to-one matching of rows to columns along True edges (augmenting paths)."""
    n_cols = len(edges[0]) if edges else 0
    owner: list[int | None] = [None] * n_cols

    def augment(row: int, seen: set[int]) -> bool:
        for col in range(n_cols):
            if edges[row][col] and col not in seen:
                seen.add(col)
                if owner[col] is None or augment(owner[col], seen):
                    owner[col] = row
                    return True
        return False

    return sum(augment(row, set()) for row in range(len(edges)))


def _pair_slots(made: Any, check: Any, known: set, required: tuple) -> tuple[int, int]:
    """``(right, den)`` of made call ``made`` against expected call ``check`` (same name): needed parameters given with
    an accepted value, over needed parameters + given ones neither needed nor accepted (+1 once for any unknown
    parameter or left-out schema-required one); ``(1, 1)`` when that is nothing at all."""
    args = made.arguments
    need = set(check.missing_optional)  # ground-truth parameters whose acceptable values lack ""
    rules = check.params

    def accepted(p: str) -> bool:
        rule = rules.get(p)
        return rule is not None and rule.check(args[p]) is None

    right = sum(1 for p in need if p in args and accepted(p))
    wrong = sum(1 for p in args if p in known and p not in need and not accepted(p))
    wrong += int(any(p not in known for p in args) or not set(required) <= args.keys())
    den = len(need) + wrong
    return (right, den) if den else (1, 1)


def slot_share(made: list, target: RewardTarget) -> tuple[int, int]:
    """The argument gate's pooled slot share: each expected call against its best same-name made call (largest
    right/den, then the larger den), right and den summed over the expected calls."""
    num = den = 0
    for j, call in enumerate(target.calls):
        known = {p for c in target.calls if c.name == call.name for p in c.arguments}
        required = target.functions[call.name].required
        best = (-1, 1)
        for m in made:
            if m.name != call.name:
                continue
            r, d = _pair_slots(m, target.checks[j], known, required)
            if r * best[1] > best[0] * d or (r * best[1] == best[0] * d and d > best[1]):
                best = (r, d)
        num, den = num + best[0], den + best[1]
    return num, den


def _outcome(config: RewardConfig, first_failed: int, num: int = 0, den: int = 0) -> GateOutcome:
    passed = tuple(g < first_failed for g in range(len(GATES)))
    return GateOutcome(gated_reward_value(config, first_failed, num, den), passed, first_failed, num, den)


def score_reference(attempt: Attempt, target: RewardTarget, config: RewardConfig) -> GateOutcome:
    """Score one completion against its ground truth."""
    parsed = attempt.parsed
    if not parsed.ok:
        return _outcome(config, 0)
    made = parsed.calls
    if target.decision == "call":
        decided = bool(made)
    else:
        decided = not made and (target.decision != "clarify" or not config.clarify_needs_question or "?" in parsed.content)
    if not decided:
        return _outcome(config, 1)
    if target.decision != "call":
        return _outcome(config, len(GATES))

    expected = target.calls
    made_names = sorted(c.name for c in made)
    expected_names = sorted(c.name for c in expected)
    if made_names != expected_names:
        common = sum(min(made_names.count(n), expected_names.count(n)) for n in set(made_names))
        return _outcome(config, 2, common, max(len(made), len(expected)))

    ok = [[check.check(c.name, c.arguments).valid for check in target.checks] for c in made]
    matched = max_matching(ok)
    if matched < len(expected):
        if config.argument_credit == "slots":
            return _outcome(config, 3, *slot_share(made, target))
        return _outcome(config, 3, matched, len(expected))

    if target.results is None:
        return _outcome(config, len(GATES))
    results = list(attempt.results) + [None] * (len(made) - len(attempt.results))
    same = [[ok[i][j] and results[i] == target.results[j] for j in range(len(expected))] for i in range(len(made))]
    executed = max_matching(same)
    state_scored = target.state is not None
    state_ok = attempt.state == target.state
    if executed == len(expected) and (state_ok or not state_scored):
        return _outcome(config, len(GATES))
    return _outcome(config, 4, executed + int(state_scored and state_ok), len(expected) + int(state_scored))

"""The gated reward's config section, and the one formula both implementations use to turn gate outcomes into a number."""

from __future__ import annotations

import numpy as np
from typing import Literal

from pydantic import model_validator

from inftool_jax.config_base import Section

GATES = ("format", "decision", "selection", "arguments", "execution")
"""Gate names in order; a failed gate stops credit for every gate after it."""


class RewardConfig(Section):
    """Gated reward (DESIGN.md §5): weights per gate, partial credit, encoding limits."""

    call_format: str = "hermes"
    """Tool-call format the policy writes (a name known to inftool_jax.calls.get_format); plain prose always parses."""
    w_format: float = 0.1
    """Credit for output that parses in the call format (or is plain prose)."""
    w_decision: float = 0.2
    """Credit for calling when a call is expected and not calling for no-call / clarification turns."""
    w_selection: float = 0.2
    """Credit for the right multiset of function names."""
    w_arguments: float = 0.3
    """Credit for every call's arguments passing the BFCL argument check under the best order-free matching."""
    w_execution: float = 0.2
    """Credit for execution outcomes matching the ground truth's (multi-step / multi-turn turns); given in full where execution is not scored."""
    partial_credit: bool = True
    """At the first failed gate among selection / arguments / execution, give that gate's weight times the share that was right
    (selection: common names / max(count made, count expected); arguments: calls in the largest matching whose arguments pass / calls
    expected; execution: calls whose outcome matches under the best matching (+1 for the final state when scored) / their count)."""
    argument_credit: Literal["slots", "calls"] = "slots"
    """What the partial credit of a failed argument gate counts. ``slots``: argument slots - each expected call is set
    against its best same-name made call (exact for one expected call; a relaxation of the matching for several), and
    the turn's share is (needed parameters given with an accepted value) / (needed parameters + given parameters that
    are not needed and not accepted, an unknown parameter or a left-out schema-required one counting once), pooled over
    the expected calls; one wrong digit in one of three arguments then earns 2/3 of the gate, so GRPO can tell a nearly
    right call from a wrong one. ``calls``: calls in the largest matching whose arguments all pass / calls expected
    (one wrong argument of a single call earns nothing)."""
    clarify_needs_question: bool = True
    """A clarification turn passes the decision gate only if the text (no call) contains a '?'."""
    max_calls: int = 6
    """Kernel limit on calls per completion and per ground truth (1..12); the argument gate's exact matching costs about
    2**max_calls bitmask operations per completion (Hall's theorem over subsets of made calls): 6 -> 64, 8 -> 256."""
    max_params: int = 16
    """Kernel limit on distinct parameter names of one function across one ground truth's expected calls (1..30: slots are bits).
    Anything over a limit, or not representable exactly, is scored by the reference instead (same result)."""

    @model_validator(mode="after")
    def _check(self) -> "RewardConfig":
        if min(self.weights()) < 0:
            raise ValueError("reward weights must be >= 0")
        if not 1 <= self.max_calls <= 12:
            raise ValueError("max_calls must be in 1..12 (the kernel's matching visits 2**max_calls subsets)")
        if not 1 <= self.max_params <= 30:
            raise ValueError("max_params must be in 1..30 (parameter slots are bits of an int32)")
        return self

    def weights(self) -> tuple[float, ...]:
        """Gate weights in GATES order."""
        return (self.w_format, self.w_decision, self.w_selection, self.w_arguments, self.w_execution)


def gated_reward_value(config: RewardConfig, first_failed: int, num: int, den: int) -> float:
    """The reward of a completion whose first failed gate is ``first_failed`` (len(GATES) if none).

    ``num / den`` is the share that was right at that gate (partial credit;
    den == 0 means none). Computed in float64 and rounded to float32 once, so
    the reference and the kernel (which reads a table built with this very
    function) give bit-identical rewards.
    """
    w = config.weights()
    value = sum(w[:first_failed])
    if config.partial_credit and first_failed < len(GATES) and den > 0:
        value += w[first_failed] * num / den
    return float(np.float32(value))


def max_share_den(config: RewardConfig) -> int:
    """The largest partial-credit denominator the kernel can produce: calls (+1 for the final state), or pooled
    argument slots (per expected call at most max_params needed + the unknown-parameter mark, or 1)."""
    calls = config.max_calls + 1
    return max(calls, config.max_calls * (config.max_params + 1)) if config.argument_credit == "slots" else calls


def reward_table(config: RewardConfig) -> np.ndarray:
    """``table[first_failed, num, den]`` for every count the kernel can produce (den <= max_share_den)."""
    n = max_share_den(config) + 1
    table = np.zeros((len(GATES) + 1, n, n), np.float32)
    for k in range(len(GATES) + 1):
        for den in range(n):
            for num in range(den + 1):
                table[k, num, den] = gated_reward_value(config, k, num, den)
    return table

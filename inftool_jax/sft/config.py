"""The ``sft:`` section: the SFT stage's schedule and what it does besides the shared ``train:`` settings (no jax import here)."""

from __future__ import annotations

from pydantic import Field

from inftool_jax.train.config import StageSchedule


class SFTConfig(StageSchedule):
    """Cold-start supervised fine-tuning on the assistant turns of synthesized episodes.

    ``learning_rate``, ``warmup_steps``, ``max_steps``: this stage's optimiser step and budget (see StageSchedule).
    """

    heldout_episodes: int = Field(64, ge=0)
    """Episodes set aside (chosen by the seed) to measure held-out assistant-token loss; never trained on."""
    eval_every: int = Field(0, ge=0)
    """Measure the held-out loss every this many steps (it is always measured before and after training); 0: only then."""
    prompt_loss_weight: float = Field(0.0, ge=0.0, le=1.0)
    """Loss weight of the tokens the policy does not write (system prompt, tool listing, user turns, tool results) next to
    1 for assistant tokens. 0 is plain SFT. A model trained from scratch (the tiny default) learns to copy names and
    values far sooner when it also predicts the rest of each episode: tool results echo call arguments and user turns
    echo tool descriptions, so every episode holds several times more copying to learn from. Held-out figures always
    count assistant tokens only."""

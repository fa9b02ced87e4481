"""The ``loop:`` section of the experiment config: how `inftool loop` closes the loop (no jax import here)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from inftool_jax.config_base import Section
from inftool_jax.train.config import StageSchedule


class LoopConfig(Section):
    """Evaluate, find the gaps, synthesize for them, train, repeat (DESIGN.md §1)."""

    iterations: int = Field(2, ge=0)
    """Loop iterations after iteration 0 (the cold start: initial data, SFT, evaluation)."""
    patience: int = Field(0, ge=0)
    """Stop early when the held-out call accuracy has not improved for this many iterations (0: never stop early)."""
    targeting: Literal["gaps", "static"] = "gaps"
    """gaps: each round's data follows the probe's errors (category weights, expansion of failed cases, uncertain
    cases kept); static: the same budget of fresh data from the config's category mix (the baseline to measure
    the targeting against)."""
    train_stages: list[Literal["sft", "grpo"]] = ["grpo"]
    """Training stages of iterations >= 1, in order, each from the previous stage's model. Iteration 0 is SFT."""
    round_sft: StageSchedule = StageSchedule()
    """The schedule (learning_rate, warmup_steps, max_steps) of an `sft` stage in iterations >= 1, on that round's data
    from the previous round's model (the cold start's `sft:` schedule is usually far too long and hot for a
    round). The `sft:` section's other settings (prompt_loss_weight, heldout_episodes) apply either way."""
    initial_episodes: int = Field(3000, gt=0)
    """Episodes synthesized for iteration 0's SFT (the cold start)."""
    episodes_per_iteration: int = Field(600, gt=0)
    """Training episodes of each later iteration (targeted and static spend the same number)."""
    probe_episodes: int = Field(100, ge=0)
    """Fresh episodes synthesized each round for the probe (never trained on, never held out)."""
    probe_previous: int = Field(100, ge=0)
    """Episodes of the previous training set added to the probe pool."""
    expansions_per_failure: int = Field(3, ge=1)
    """M: new blueprints seeded by each failed probe case (same category and tools, the rest varied)."""
    failure_share: float = Field(0.5, ge=0, le=1)
    """Most of a round's episodes that come from failed cases."""
    uncertain_share: float = Field(0.1, ge=0, le=1)
    """Most of a round's episodes that are uncertain-but-right probe episodes, kept as they are."""
    category_floor: float = Field(0.05, ge=0, le=1)
    """Each category's least share of the fresh data, so nothing vanishes from the mix."""
    heldout_episodes: int = Field(100, gt=0)
    """Size of the held-out set: synthesized once with its own seed, never trained on."""
    heldout_seed: int = 1000
    """Seed of the held-out set (training and probe data use seeds derived from the config's seed)."""
    unseen_domains: list[str] = []
    """Domains of the catalog (`inftool specs inspect` lists them) held out of training: every training, probe and
    targeted synthesis of the run uses the catalog without their tools, and a second held-out set,
    RUN_DIR/heldout-unseen (seed loop.heldout_seed + 5), is synthesized from only their tools and evaluated each
    iteration (iter-NNN/eval-unseen; loop.jsonl `eval_unseen`; report.md): the figure on tools never seen in
    training. No target, always measured when set. Empty: none held out. Unknown names, or every domain, are refused."""
    unseen_episodes: int = Field(40, gt=0)
    """Size of the unseen-domain held-out set (used only when loop.unseen_domains is set)."""
    eval_base: bool = True
    """Also evaluate the model iteration 0 starts from (before SFT), as the run's own baseline."""
    eval_max_new_tokens: int = Field(96, gt=0)
    """Longest greedy answer in probes and held-out evaluation."""
    eval_batch_size: int = Field(32, gt=0)
    """Prompts decoded at once in probes and evaluation."""
    bfcl_categories: list[str] = []
    """BFCL categories run on each iteration's model (e.g. [simple_python, irrelevance, multi_turn_base]); empty: none.
    Needs BFCL's data (`pip install --no-deps bfcl-eval`, done by scripts/setup.sh)."""
    bfcl_limit: int = Field(20, gt=0)
    """Entries per BFCL category (the first ones, as `inftool eval bfcl --limit`)."""
    bfcl_mode: Literal["prompt", "fc"] = "prompt"
    """BFCL prompt style: prompt = BFCL's system prompt with the function list; fc = the chat template's tools."""
    bfcl_max_new_tokens: int = Field(128, gt=0)
    """Longest BFCL answer per model step."""

    @model_validator(mode="after")
    def _shares(self) -> "LoopConfig":
        if self.failure_share + self.uncertain_share > 1:
            raise ValueError("failure_share + uncertain_share must be <= 1 (the rest is fresh data)")
        return self

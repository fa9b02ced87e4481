"""How the in-JAX sampler draws completions (no jax import here: the CLI's --help reads it)."""

from __future__ import annotations

from pydantic import Field

from inftool_jax.config_base import Section


class SamplingConfig(Section):
    """Decoding settings for :class:`inftool_jax.rollout.sampler.Sampler`.

    The distribution is processed in transformers' order: temperature, then top-k, then
    top-p over what top-k kept. Changing temperature/top-k/top-p, the stop lists or the
    stop strings never recompiles; ``max_new_tokens`` and the prompt bucket are shapes.
    """

    max_new_tokens: int = Field(default=256, ge=1)
    """Most tokens generated per completion (the stop token, when one ends it, counts)."""
    temperature: float = Field(default=1.0, ge=0.0)
    """Softmax temperature; 0 means greedy (argmax)."""
    top_k: int = Field(default=0, ge=0)
    """Keep only the k most likely tokens (ties at the k-th value are kept too); 0 = off."""
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    """Nucleus sampling: keep the smallest set of most likely tokens whose mass reaches top_p; 1 = off."""
    stop_token_ids: list[int] = []
    """Token ids that end a completion; the stop token itself is part of the output (masked in)."""
    stop_at_eos: bool = True
    """Also stop at the end-of-sequence ids of the tokenizer and of the model's config.json."""
    stop_strings: list[str] = []
    """Texts that end a completion: the returned text ends right after the first one to appear and the
    tokens end with the token that completed it (needs a tokenizer; checked on the host every
    `stop_check_interval` tokens)."""
    stop_check_interval: int = Field(default=16, ge=1)
    """With stop strings: tokens decoded per jitted chunk between host-side checks."""
    num_samples: int = Field(default=1, ge=1)
    """Completions per prompt (GRPO's group size G); output row i*G+g is sample g of prompt i."""
    min_prompt_bucket: int = Field(default=16, ge=1)
    """Prompts are left-padded to the next power of two at least this long, so calls with similar
    prompt lengths share one compiled program."""
    skip_special_tokens: bool = True
    """Drop special tokens (e.g. the end-of-turn token) from decoded texts and stop-string matching."""

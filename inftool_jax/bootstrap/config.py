"""The ``tiny_model:`` section of the experiment config: the embedded default model `inftool init-model` makes.

No jax import here: the config loader and the CLI's ``--help`` read it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inftool_jax.config_base import Section


class TinyModelConfig(Section):
    """The tiny default model made by `inftool init-model` (a few million parameters)."""

    bpe_vocab_size: int = 3072
    """Target size of the byte-level BPE vocabulary (the trainer may stop earlier on a small corpus)."""
    bpe_min_frequency: int = 2
    """A pair must occur this often in the corpus to become a merge."""
    examples_per_tool: int = 4
    """Example conversations rendered per catalog tool for the BPE corpus."""
    corpus_episodes: int = 400
    """Episodes synthesized from the catalog (programmatic agents, the config's synth settings) and rendered into the BPE
    corpus, so the user simulator's phrasing and the generated values (names, cities, ids) get tokens of their own:
    shorter sequences, and a value is copied as one or two tokens instead of a run of letters. 0 = catalog and generic
    text only."""
    pad_vocab_to_multiple_of: int = 64
    """Model embedding rows are padded up to a multiple of this (friendlier to sharding; 1 = no padding)."""
    hidden_size: int = 256
    """Width of the residual stream."""
    intermediate_size: int = 704
    """Width of the SwiGLU MLP."""
    num_layers: int = 4
    """Number of decoder layers."""
    num_heads: int = 4
    """Attention (query) heads."""
    num_kv_heads: int = 2
    """Key/value heads (grouped-query attention)."""
    max_position_embeddings: int = 4096
    """Longest sequence the model is meant for."""
    rope_theta: float = 10000.0
    """RoPE base frequency."""
    rms_norm_eps: float = 1e-6
    """RMSNorm epsilon."""
    tie_word_embeddings: bool = True
    """Share the input embedding with the output projection."""
    copy_prior: bool = False
    """Plant heads that look one and two tokens back (layer 0) and two induction heads (layer 1) in the random
    weights (see inftool_jax/bootstrap/copy_prior.py): a model this small does not learn to copy from its context within
    minutes of training, and tool calls are mostly copying. Needs tied embeddings, 2+ layers, 2+ KV heads and
    head_dim >= 24, and wants a large rope_theta (1e6) so the induction heads' match holds across a prompt."""
    copy_warmup_steps: int = Field(default=0, ge=0)
    """Steps of training on repeated random token strings after planting (0 = none; 150 at 128 wide take ~40 s on 2
    CPU cores). Measured at 128 wide on a 500-token alphabet: the planted circuit copies 0.77 of the predictable tokens
    at step 0 and 0.995 after 100 steps. Without copy_prior it is a control: the unplanted model stays near chance."""
    copy_warmup_learning_rate: float = Field(default=3.0e-3, gt=0)
    """Peak AdamW learning rate of the copy warm-up (10% linear warm-up, cosine decay to a tenth)."""
    copy_warmup_batch_size: int = Field(default=16, ge=1)
    """Rows per copy warm-up step."""
    copy_warmup_length: int = Field(default=128, ge=32)
    """Tokens per copy warm-up row (string periods are 8 to 48 tokens, at most half the row)."""
    tool_rendering: Literal["compact", "full"] = "compact"
    """How the chat template lists offered tools: compact = one signature line per tool (names, types, enums,
    optional marks; a few dozen tokens each), full = each tool's whole JSON schema as in Qwen2.5 (~220 tokens each)."""

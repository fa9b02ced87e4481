"""RoPE inverse frequencies equal transformers' for default, linear and llama3 scaling."""

from __future__ import annotations

import numpy as np
import pytest

from inftool_jax.model.architecture import parse_hf_config
from inftool_jax.model.rope import inverse_frequencies

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.mark.parametrize(
    "scaling",
    [None, dict(rope_type="linear", factor=4.0), dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=64)],
)
def test_inverse_frequencies_match_transformers(family_config, scaling):
    hf = dict(family_config, rope_theta=10000.0)
    hf.pop("rope_scaling", None)
    if scaling:
        hf["rope_scaling"] = scaling
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    config = transformers.AutoConfig.for_model(**hf)
    kind = (scaling or {}).get("rope_type", "default")
    if kind == "default":
        dim = config.head_dim if getattr(config, "head_dim", None) else config.hidden_size // config.num_attention_heads
        want = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    else:
        want, _ = ROPE_INIT_FUNCTIONS[kind](config, "cpu")
    ours = inverse_frequencies(parse_hf_config(hf))
    np.testing.assert_allclose(ours, want.numpy(), rtol=1e-6, atol=0)
    if kind == "llama3":  # the scaling really changes some frequencies at this size
        plain = inverse_frequencies(parse_hf_config(dict(hf, rope_scaling=None)))
        assert (ours != plain).sum() >= 3

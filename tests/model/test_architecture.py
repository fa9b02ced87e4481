"""Parsing HF config.json into the typed DecoderConfig: families, rope formats, bad keys."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inftool_jax.errors import InputError
from inftool_jax.model.architecture import parse_hf_config


def test_family_differences_become_config_fields(family_config):
    cfg = parse_hf_config(family_config)
    assert cfg.attention_bias is (family_config["model_type"] == "qwen2")
    assert cfg.qk_norm is (family_config["model_type"] == "qwen3")
    assert cfg.head_dim == family_config.get("head_dim", 16)
    assert cfg.tie_word_embeddings is family_config["tie_word_embeddings"]


def test_transformers_5_and_4_rope_formats_parse_the_same(family_config):
    legacy = dict(family_config, rope_scaling=dict(type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=64), rope_theta=500000.0)
    params = dict(legacy.pop("rope_scaling"), rope_theta=legacy.pop("rope_theta"))
    params["rope_type"] = params.pop("type")
    modern = dict(legacy, rope_parameters=params)
    assert parse_hf_config(dict(legacy, rope_scaling=dict(modern["rope_parameters"]), rope_theta=500000.0)) == parse_hf_config(modern)
    assert parse_hf_config(modern).rope_type == "llama3" and parse_hf_config(modern).rope_theta == 500000.0


@pytest.mark.parametrize(
    "change, pointer",
    [
        (dict(model_type="mistral"), "/model_type"),
        (dict(architectures=["Qwen2Model"]), "/architectures"),
        (dict(hidden_size="64"), "/hidden_size"),
        (dict(num_key_value_heads=3), "/num_key_value_heads"),
        (dict(hidden_act="gelu"), "/hidden_act"),
        (dict(use_sliding_window=True), "/use_sliding_window"),
        (dict(rope_scaling=dict(rope_type="yarn", factor=4.0)), "/rope_scaling/rope_type"),
        (dict(rope_scaling=dict(rope_type="llama3", factor=8.0)), "/rope_scaling/low_freq_factor"),
        (dict(vocab_size=0), "/vocab_size"),
        (dict(num_hidden_layers=None), "/num_hidden_layers"),
    ],
)
def test_bad_configs_name_the_key(qwen2_config, change, pointer):
    bad = dict(qwen2_config, **change)
    if change.get("num_hidden_layers", 1) is None:
        del bad["num_hidden_layers"]
    with pytest.raises(InputError) as err:
        parse_hf_config(bad, "m/config.json")
    assert err.value.source.startswith("m/config.json")
    assert err.value.pointer.endswith(pointer)


def test_importing_the_model_config_section_does_not_import_jax():
    code = "import sys, inftool_jax.model.config, inftool_jax.model; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

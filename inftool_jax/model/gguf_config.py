"""A Hugging Face ``config.json`` dict from a GGUF file's metadata (llama, qwen2, qwen3).

GGUF keeps the hyper-parameters under ``<architecture>.*`` keys (``llama.block_count``,
``qwen2.attention.head_count_kv``, ...); whether the embeddings are tied is not written
anywhere but follows from the file having no ``output.weight`` tensor.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.model.architecture import SUPPORTED_MODEL_TYPES, parse_hf_config
from inftool_jax.model.gguf_reader import GGUFFile

# GGUF general.architecture -> HF model_type (the same names for the families supported here).
GGUF_ARCHITECTURES = {"llama": "llama", "qwen2": "qwen2", "qwen3": "qwen3"}


def hf_config(gguf: GGUFFile) -> dict[str, Any]:
    """The config.json dict for the decoder in ``gguf``; validated by :func:`parse_hf_config`.

    InputError names the file and the metadata key for a missing or unsupported setting.
    """
    arch = gguf.architecture
    if arch not in GGUF_ARCHITECTURES:
        raise InputError(
            gguf.source, "general.architecture", f"unsupported architecture {arch!r} (supported: {', '.join(GGUF_ARCHITECTURES)})"
        )
    model_type = GGUF_ARCHITECTURES[arch]

    def num(key: str, kind: type, default: Any = ...) -> Any:
        return gguf.number(f"{arch}.{key}", kind, default)

    hidden = num("embedding_length", int)
    heads = num("attention.head_count", int)
    if heads <= 0:
        raise InputError(gguf.source, f"{arch}.attention.head_count", f"must be positive, got {heads}")
    # The embedding matrix decides the model's vocabulary (the token list may be padded or short).
    vocab = gguf.shape("token_embd.weight")[0]
    config: dict[str, Any] = {
        "model_type": model_type,
        "architectures": [SUPPORTED_MODEL_TYPES[model_type]],
        "vocab_size": vocab,
        "hidden_size": hidden,
        "intermediate_size": num("feed_forward_length", int),
        "num_hidden_layers": num("block_count", int),
        "num_attention_heads": heads,
        "num_key_value_heads": num("attention.head_count_kv", int, heads),
        # key_length is written when head_dim differs from hidden/heads (qwen3, some llamas).
        "head_dim": num("attention.key_length", int, hidden // heads),
        "rms_norm_eps": num("attention.layer_norm_rms_epsilon", float, 1e-6),
        "rope_theta": num("rope.freq_base", float, 10000.0),
        "max_position_embeddings": num("context_length", int, 4096),
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "tie_word_embeddings": "output.weight" not in gguf.tensor_names,
        "use_cache": True,
    }
    rope_dims = num("rope.dimension_count", int, config["head_dim"])
    if rope_dims != config["head_dim"]:
        raise InputError(
            gguf.source, f"{arch}.rope.dimension_count", f"partial rotary embedding ({rope_dims} of {config['head_dim']} dims) is not supported"
        )
    scaling = gguf.get(f"{arch}.rope.scaling.type", "none")
    if scaling == "linear":
        config["rope_scaling"] = {"rope_type": "linear", "factor": num("rope.scaling.factor", float)}
    elif scaling not in ("none", None):
        raise InputError(gguf.source, f"{arch}.rope.scaling.type", f"unsupported rope scaling {scaling!r} (supported: none, linear)")
    if model_type == "llama":
        # llama.cpp has no flag for these: a bias tensor in block 0 says so.
        names = set(gguf.tensor_names)
        config["attention_bias"] = "blk.0.attn_q.bias" in names
        config["mlp_bias"] = "blk.0.ffn_up.bias" in names
    if model_type == "qwen2":
        config["use_sliding_window"] = False
    for key in ("bos", "eos", "padding"):
        token_id = gguf.get(f"tokenizer.ggml.{key}_token_id", None)
        if isinstance(token_id, int) and 0 <= token_id < vocab:
            config[f"{'pad' if key == 'padding' else key}_token_id"] = token_id
    parse_hf_config(config, source=f"{gguf.source} (config built from its metadata)")
    return config

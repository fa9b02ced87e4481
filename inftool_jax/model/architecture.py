"""The decoder architecture, parsed from a Hugging Face ``config.json`` (no jax import here).

One typed, frozen description covers the supported families; every family
difference the forward pass needs is a field here, so the decoder code has no
``if model_type == ...`` branches.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from inftool_jax.errors import InputError

# model_type -> the architectures entry transformers writes for it.
SUPPORTED_MODEL_TYPES = {
    "qwen2": "Qwen2ForCausalLM",
    "qwen3": "Qwen3ForCausalLM",
    "llama": "LlamaForCausalLM",
}
SUPPORTED_ROPE_TYPES = ("default", "linear", "llama3")


@dataclasses.dataclass(frozen=True)
class DecoderConfig:
    """Everything the forward pass needs to know about a decoder checkpoint."""

    model_type: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    rope_type: str = "default"
    rope_factor: float = 1.0
    rope_low_freq_factor: float = 1.0
    rope_high_freq_factor: float = 4.0
    rope_original_max_positions: int = 8192
    attention_bias: bool = False  # bias on q/k/v projections (Qwen2: always)
    output_bias: bool = False  # bias on o_proj (Llama's attention_bias covers it too)
    mlp_bias: bool = False
    qk_norm: bool = False  # Qwen3: RMSNorm over head_dim on queries and keys
    tie_word_embeddings: bool = False
    max_position_embeddings: int = 32768

    @property
    def q_size(self) -> int:
        return self.num_heads * self.head_dim

    @property
    def kv_size(self) -> int:
        return self.num_kv_heads * self.head_dim


def _get(cfg: dict[str, Any], key: str, kind: type, source: str, default: Any = ..., prefix: str = "") -> Any:
    pointer = f"{prefix}/{key}"
    if key not in cfg or cfg[key] is None:
        if default is ...:
            raise InputError(source, pointer, "missing required key")
        return default
    value = cfg[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InputError(source, pointer, f"expected {kind.__name__}, got {value!r}")
    if kind in (int, float) and not math.isfinite(value):
        raise InputError(source, pointer, f"expected a finite number, got {value!r}")
    return value


def _positive(value: int | float, key: str, source: str) -> None:
    if value <= 0:
        raise InputError(source, f"/{key}", f"must be positive, got {value!r}")


def _rope(cfg: dict[str, Any], source: str) -> dict[str, Any]:
    # transformers 5 moved rope settings into `rope_parameters`; 4.x used rope_theta + rope_scaling.
    params = cfg.get("rope_parameters")
    key = "rope_parameters"
    if not isinstance(params, dict):
        params = cfg.get("rope_scaling")
        key = "rope_scaling"
    params = dict(params) if isinstance(params, dict) else {}
    theta = params.get("rope_theta", cfg.get("rope_theta", 10000.0))
    if not isinstance(theta, (int, float)) or isinstance(theta, bool) or theta <= 0:
        raise InputError(source, f"/{key}/rope_theta", f"must be a positive number, got {theta!r}")
    rope_type = params.get("rope_type", params.get("type", "default")) or "default"
    if rope_type not in SUPPORTED_ROPE_TYPES:
        raise InputError(
            source, f"/{key}/rope_type", f"unsupported rope type {rope_type!r} (supported: {', '.join(SUPPORTED_ROPE_TYPES)})"
        )
    out: dict[str, Any] = {"rope_theta": float(theta), "rope_type": rope_type}
    if rope_type in ("linear", "llama3"):
        out["rope_factor"] = float(_get(params, "factor", float, source, prefix=f"/{key}"))
        _positive(out["rope_factor"], f"{key}/factor", source)
    if rope_type == "llama3":
        sub = dict(source=source, prefix=f"/{key}")
        out["rope_low_freq_factor"] = _get(params, "low_freq_factor", float, **sub)
        out["rope_high_freq_factor"] = _get(params, "high_freq_factor", float, **sub)
        out["rope_original_max_positions"] = _get(params, "original_max_position_embeddings", int, **sub)
        if out["rope_high_freq_factor"] <= out["rope_low_freq_factor"]:
            raise InputError(source, f"/{key}/high_freq_factor", "must be larger than low_freq_factor")
    return out


def parse_hf_config(cfg: Any, source: str = "config.json") -> DecoderConfig:
    """Validate an HF config dict and turn it into a :class:`DecoderConfig`.

    Raises :class:`InputError` naming ``source`` and the JSON pointer of the
    first missing, mistyped or unsupported key.
    """
    if not isinstance(cfg, dict):
        raise InputError(source, "", "the config must be a JSON object")
    model_type = cfg.get("model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise InputError(
            source,
            "/model_type",
            f"unsupported model_type {model_type!r} (supported: {', '.join(sorted(SUPPORTED_MODEL_TYPES))})",
        )
    archs = cfg.get("architectures")
    if archs is not None:
        if not isinstance(archs, list) or not archs or archs[0] != SUPPORTED_MODEL_TYPES[model_type]:
            raise InputError(
                source,
                "/architectures",
                f"unsupported architecture {archs!r} for model_type {model_type!r} "
                f"(expected [{SUPPORTED_MODEL_TYPES[model_type]!r}])",
            )
    if model_type == "qwen2" and cfg.get("use_sliding_window"):
        raise InputError(source, "/use_sliding_window", "sliding-window attention is not supported")
    if cfg.get("hidden_act", "silu") != "silu":
        raise InputError(source, "/hidden_act", f"only silu (SwiGLU) is supported, got {cfg.get('hidden_act')!r}")

    hidden = _get(cfg, "hidden_size", int, source)
    heads = _get(cfg, "num_attention_heads", int, source)
    for key, value in (("hidden_size", hidden), ("num_attention_heads", heads)):
        _positive(value, key, source)
    kv_heads = _get(cfg, "num_key_value_heads", int, source, heads)
    head_dim = _get(cfg, "head_dim", int, source, hidden // heads)
    fields = dict(
        model_type=model_type,
        vocab_size=_get(cfg, "vocab_size", int, source),
        hidden_size=hidden,
        intermediate_size=_get(cfg, "intermediate_size", int, source),
        num_layers=_get(cfg, "num_hidden_layers", int, source),
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        rms_norm_eps=_get(cfg, "rms_norm_eps", float, source, 1e-6),
        tie_word_embeddings=_get(cfg, "tie_word_embeddings", bool, source, False),
        max_position_embeddings=_get(cfg, "max_position_embeddings", int, source, 32768),
        **_rope(cfg, source),
    )
    for key in ("vocab_size", "intermediate_size", "num_layers", "num_kv_heads", "head_dim"):
        _positive(fields[key], key, source)
    if heads % kv_heads:
        raise InputError(source, "/num_key_value_heads", f"{kv_heads} does not divide num_attention_heads={heads}")
    if head_dim % 2:
        raise InputError(source, "/head_dim", f"RoPE needs an even head_dim, got {head_dim}")
    if model_type == "qwen2":
        fields.update(attention_bias=True)
    else:
        bias = _get(cfg, "attention_bias", bool, source, False)
        fields.update(attention_bias=bias, output_bias=bias)
    if model_type == "llama":
        fields.update(mlp_bias=_get(cfg, "mlp_bias", bool, source, False))
    if model_type == "qwen3":
        fields.update(qk_norm=True)
    return DecoderConfig(**fields)

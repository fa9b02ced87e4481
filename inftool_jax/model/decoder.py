"""The decoder family (Qwen2/2.5, Qwen3, Llama 3/3.1) as flax.nnx modules.

Parameters keep Hugging Face's names and layouts (a projection's ``weight`` is
``[out_features, in_features]``), so the nnx state path of every parameter is
its safetensors name minus the leading ``model.`` and checkpoints load and save
without transposes. Parameters are stored in ``param_dtype``; matmuls run in the
compute ``dtype``; norms, RoPE and softmax run in float32; logits come out in float32.
"""

from __future__ import annotations

import json
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from inftool_jax.model.architecture import DecoderConfig, parse_hf_config
from inftool_jax.model.config import REMAT_POLICIES
from inftool_jax.model.kv_cache import KVCache
from inftool_jax.model.rope import apply_rotary, inverse_frequencies, rotary_angles
from inftool_jax.model.sharding import constrain_rows

# Additive mask value: finite so a fully masked row (a left-pad query) gives a uniform
# distribution instead of NaNs that would poison gradients.
_MASKED = -1e30


class Projection(nnx.Module):
    """``y = x @ weight.T + bias`` with ``weight [out, in]`` (the HF/PyTorch layout)."""

    def __init__(self, in_features: int, out_features: int, *, bias: bool, std: float, param_dtype, dtype, rngs: nnx.Rngs):
        self.weight = nnx.Param((jax.random.normal(rngs.params(), (out_features, in_features)) * std).astype(param_dtype))
        self.bias = nnx.Param(jnp.zeros((out_features,), param_dtype)) if bias else None
        self.dtype = dtype

    def __call__(self, x: jax.Array) -> jax.Array:
        y = jnp.einsum("...i,oi->...o", x.astype(self.dtype), self.weight[...].astype(self.dtype))
        if self.bias is not None:
            y = y + self.bias[...].astype(self.dtype)
        return y


class RMSNorm(nnx.Module):
    """Root-mean-square norm computed in float32, scaled by a learned ``weight``."""

    def __init__(self, size: int, eps: float, *, param_dtype, dtype):
        self.weight = nnx.Param(jnp.ones((size,), param_dtype))
        self.eps = eps
        self.dtype = dtype

    def __call__(self, x: jax.Array) -> jax.Array:
        xf = x.astype(jnp.float32)
        xf = xf * jax.lax.rsqrt(jnp.mean(xf * xf, axis=-1, keepdims=True) + self.eps)
        return self.weight[...].astype(self.dtype) * xf.astype(self.dtype)


class Embedding(nnx.Module):
    """Token embedding table ``weight [vocab, hidden]``."""

    def __init__(self, vocab: int, size: int, *, std: float, param_dtype, dtype, rngs: nnx.Rngs):
        self.weight = nnx.Param((jax.random.normal(rngs.params(), (vocab, size)) * std).astype(param_dtype))
        self.dtype = dtype

    def __call__(self, ids: jax.Array) -> jax.Array:
        return jnp.take(self.weight[...], ids, axis=0).astype(self.dtype)


def attend(q: jax.Array, k: jax.Array, v: jax.Array, mask: jax.Array, dtype) -> jax.Array:
    """Grouped-query attention.

    ``q [B, T, H, D]``, ``k [B, Hkv, D, S]``, ``v [B, Hkv, S, D]`` (the KV cache's layouts), ``mask [B, T, S]``
    (True = may attend); returns ``[B, T, H, D]``. Scores and softmax in float32.

    The query heads sharing a KV head are folded into the query axis, so each (row, KV head)
    is one ``[G*T, D] x [D, S]`` matmul over keys read in place: during decoding (T = 1) no
    per-step transpose or copy of the whole cache is made.
    """
    b, t, h, d = q.shape
    hkv = k.shape[1]
    g = h // hkv
    q = q.reshape(b, t, hkv, g, d).transpose(0, 2, 3, 1, 4).reshape(b, hkv, g * t, d)
    scores = jnp.einsum("bkqd,bkds->bkqs", q, k, preferred_element_type=jnp.float32) * (d**-0.5)
    scores = scores.reshape(b, hkv, g, t, -1)
    scores = jnp.where(mask[:, None, None, :, :], scores, _MASKED).reshape(b, hkv, g * t, -1)
    probs = jax.nn.softmax(scores, axis=-1).astype(dtype)
    out = jnp.einsum("bkqs,bksd->bkqd", probs, v.astype(dtype))
    return out.reshape(b, hkv, g, t, d).transpose(0, 3, 1, 2, 4).reshape(b, t, h, d)


class Attention(nnx.Module):
    def __init__(self, cfg: DecoderConfig, *, std: float, param_dtype, dtype, rngs: nnx.Rngs):
        kw = dict(std=std, param_dtype=param_dtype, dtype=dtype, rngs=rngs)
        self.q_proj = Projection(cfg.hidden_size, cfg.q_size, bias=cfg.attention_bias, **kw)
        self.k_proj = Projection(cfg.hidden_size, cfg.kv_size, bias=cfg.attention_bias, **kw)
        self.v_proj = Projection(cfg.hidden_size, cfg.kv_size, bias=cfg.attention_bias, **kw)
        self.o_proj = Projection(cfg.q_size, cfg.hidden_size, bias=cfg.output_bias, **kw)
        if cfg.qk_norm:
            self.q_norm = RMSNorm(cfg.head_dim, cfg.rms_norm_eps, param_dtype=param_dtype, dtype=dtype)
            self.k_norm = RMSNorm(cfg.head_dim, cfg.rms_norm_eps, param_dtype=param_dtype, dtype=dtype)
        else:
            self.q_norm = self.k_norm = None
        self.num_heads, self.num_kv_heads, self.head_dim = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        self.dtype = dtype

    def __call__(self, x, cos, sin, mask, cached_kv=None, index=None):
        """Attention over the new tokens ``x [B, T, hidden]``.

        Without ``cached_kv`` the keys are the new tokens themselves. With
        ``cached_kv = (k_cache, v_cache)`` the new keys/values are written at slot
        ``index`` and the queries attend over the whole cache. Returns
        ``(out [B, T, hidden], (keys [B, Hkv, D, S], values [B, Hkv, S, D]))``, what was attended over.
        """
        b, t, _ = x.shape
        q = self.q_proj(x).reshape(b, t, self.num_heads, self.head_dim)
        k = self.k_proj(x).reshape(b, t, self.num_kv_heads, self.head_dim)
        v = self.v_proj(x).reshape(b, t, self.num_kv_heads, self.head_dim)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        k, v = k.transpose(0, 2, 3, 1), v.transpose(0, 2, 1, 3)  # [B, Hkv, D, T] and [B, Hkv, T, D], the cache layouts
        if cached_kv is not None:
            k_cache, v_cache = cached_kv
            k = jax.lax.dynamic_update_slice(k_cache, k.astype(k_cache.dtype), (0, 0, 0, index))
            v = jax.lax.dynamic_update_slice(v_cache, v.astype(v_cache.dtype), (0, 0, index, 0))
        out = attend(q, k, v, mask, self.dtype).reshape(b, t, self.num_heads * self.head_dim)
        return self.o_proj(out), (k, v)


class MLP(nnx.Module):
    """SwiGLU: ``down(silu(gate(x)) * up(x))``."""

    def __init__(self, cfg: DecoderConfig, *, std: float, param_dtype, dtype, rngs: nnx.Rngs):
        kw = dict(bias=cfg.mlp_bias, std=std, param_dtype=param_dtype, dtype=dtype, rngs=rngs)
        self.gate_proj = Projection(cfg.hidden_size, cfg.intermediate_size, **kw)
        self.up_proj = Projection(cfg.hidden_size, cfg.intermediate_size, **kw)
        self.down_proj = Projection(cfg.intermediate_size, cfg.hidden_size, **kw)

    def __call__(self, x):
        return self.down_proj(jax.nn.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nnx.Module):
    def __init__(self, cfg: DecoderConfig, *, std: float, param_dtype, dtype, rngs: nnx.Rngs):
        kw = dict(std=std, param_dtype=param_dtype, dtype=dtype, rngs=rngs)
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, param_dtype=param_dtype, dtype=dtype)
        self.self_attn = Attention(cfg, **kw)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, param_dtype=param_dtype, dtype=dtype)
        self.mlp = MLP(cfg, **kw)

    def __call__(self, x, cos, sin, mask, cached_kv=None, index=None):
        attn, kv = self.self_attn(self.input_layernorm(x), cos, sin, mask, cached_kv, index)
        x = x + attn
        return x + self.mlp(self.post_attention_layernorm(x)), kv


class CausalLM(nnx.Module):
    """A decoder-only language model with HF-compatible parameters.

    ``model.config`` is the typed :class:`DecoderConfig`; ``model.hf_config`` a fresh copy of the
    HF ``config.json`` dict it was built from; ``model.param_dtype`` / ``model.dtype`` the dtype policy.

    ``remat`` (``model.remat``) wraps each layer of a differentiated forward in ``jax.checkpoint`` (``full``: nothing
    saved but the layer's input; ``dots``: the projections' outputs saved too); the values are unchanged.
    ``activation_mesh`` (set by ``create_model`` / ``load_pretrained`` given a mesh) constrains the residual stream
    ``[B, T, hidden]`` to rows split over ``data`` x ``fsdp`` after the embedding and every layer
    (:func:`~inftool_jax.model.sharding.constrain_rows`).
    ``scan_layers`` (``model.scan_layers``) runs the layers as one ``jax.lax.scan`` body, so compile time does not grow
    with depth; the parameters stay one ``nnx.Param`` per layer and tensor (HF names, sharding rules and checkpoints
    unchanged) and are stacked ``[num_layers, ...]`` inside the computation (see :meth:`_run_layers`).
    """

    def __init__(
        self, hf_config: dict[str, Any], *, rngs: nnx.Rngs, dtype="float32", param_dtype=None, source="config.json",
        remat: str = "none", scan_layers: bool = False,
    ):
        cfg = parse_hf_config(hf_config, source)
        if remat not in REMAT_POLICIES:
            raise ValueError(f"model.remat: unknown policy {remat!r} (known: {', '.join(REMAT_POLICIES)})")
        self.remat = remat
        self.scan_layers = bool(scan_layers)
        dtype = jnp.dtype(dtype)
        param_dtype = jnp.dtype(param_dtype) if param_dtype is not None else dtype
        std = float(hf_config.get("initializer_range", 0.02))
        kw = dict(std=std, param_dtype=param_dtype, dtype=dtype, rngs=rngs)
        self.config = cfg
        # A JSON string, not a dict: static module attributes must be hashable for nnx.jit.
        self._hf_config_json = json.dumps(hf_config, sort_keys=True)
        self.dtype = dtype
        self.param_dtype = param_dtype
        self.embed_tokens = Embedding(cfg.vocab_size, cfg.hidden_size, **kw)
        self.layers = nnx.List([DecoderLayer(cfg, **kw) for _ in range(cfg.num_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps, param_dtype=param_dtype, dtype=dtype)
        self.lm_head = None if cfg.tie_word_embeddings else Projection(cfg.hidden_size, cfg.vocab_size, bias=False, **kw)
        self._inv_freq = tuple(float(x) for x in inverse_frequencies(cfg))
        self.source_dir: str | None = None  # the HF folder it was loaded from (tokenizer files for export)
        # The mesh the residual stream is kept batch-sharded on (create_model / load_pretrained with a mesh set it);
        # None: no activation sharding constraints (the 1-device path).
        self.activation_mesh: Any = None

    @property
    def hf_config(self) -> dict[str, Any]:
        return json.loads(self._hf_config_json)

    def _logits(self, x: jax.Array) -> jax.Array:
        x = self.norm(x)
        if self.lm_head is None:
            w = self.embed_tokens.weight[...].astype(self.dtype)
            return jnp.einsum("btd,vd->btv", x, w, preferred_element_type=jnp.float32)
        w = self.lm_head.weight[...].astype(self.dtype)
        return jnp.einsum("btd,vd->btv", x, w, preferred_element_type=jnp.float32)

    def __call__(self, input_ids: jax.Array, attention_mask: jax.Array | None = None, positions: jax.Array | None = None) -> jax.Array:
        """Float32 logits ``[batch, length, vocab]`` for int ``input_ids [batch, length]``.

        ``attention_mask [batch, length]`` (1/True = real token) hides padding keys;
        ``positions`` default to ``0..length-1`` per row, right for right-padded batches
        (pass ``cumsum(mask) - 1`` for left padding). Logits at padded positions are
        meaningless and should be masked by the caller.
        """
        b, t = input_ids.shape
        if positions is None:
            positions = jnp.broadcast_to(jnp.arange(t, dtype=jnp.int32), (b, t))
        mask = jnp.tril(jnp.ones((t, t), bool))[None]
        if attention_mask is not None:
            mask = mask & attention_mask.astype(bool)[:, None, :]
        else:
            mask = jnp.broadcast_to(mask, (b, t, t))
        cos, sin = rotary_angles(positions, jnp.asarray(self._inv_freq, jnp.float32))
        x = constrain_rows(self.embed_tokens(input_ids), self.activation_mesh)
        x, _ = self._run_layers(x, cos, sin, mask)
        return self._logits(x)

    def _run_layers(self, x, cos, sin, mask, cache: KVCache | None = None, index=None, scan: bool | None = None):
        """All decoder layers over the residual stream ``x``; returns ``(x, [(keys, values) per layer])``.

        With ``remat`` other than ``none`` each layer is a ``jax.checkpoint`` of a pure function of its state.
        With ``scan`` (default: ``scan_layers``) the layers' states are stacked along a new leading axis and one
        ``jax.lax.scan`` runs them (with a cache, its per-layer keys and values are stacked alike and the results
        split back into per-layer arrays). Stacking copies the layers' weights once per call (and, differentiated,
        their gradients once more): the price of keeping per-layer parameters.
        """
        scan = self.scan_layers if scan is None else scan
        layers = list(self.layers)
        mesh = self.activation_mesh
        if self.remat == "none" and not scan:
            out = []
            for i, layer in enumerate(layers):
                x, kv = layer(x, cos, sin, mask, None if cache is None else (cache.keys[i], cache.values[i]), index)
                x = constrain_rows(x, mesh)
                out.append(kv)
            return x, out
        graphdef = nnx.graphdef(layers[0])

        def run(state, x, kv):
            x, kv = nnx.merge(graphdef, state)(x, cos, sin, mask, kv, index)
            return constrain_rows(x, mesh), kv

        if self.remat != "none":
            policy = jax.checkpoint_policies.dots_with_no_batch_dims_saveable if self.remat == "dots" else None
            run = jax.checkpoint(run, policy=policy)
        states = [nnx.state(layer) for layer in layers]
        if not scan:
            out = []
            for i, state in enumerate(states):
                x, kv = run(state, x, None if cache is None else (cache.keys[i], cache.values[i]))
                out.append(kv)
            return x, out
        stacked = jax.tree.map(lambda *leaves: jnp.stack(leaves), *states)
        kv_in = None if cache is None else (jnp.stack(cache.keys), jnp.stack(cache.values))

        def body(x, xs):
            state, kv = xs
            x, new_kv = run(state, x, kv)
            return x, (new_kv if cache is not None else None)

        x, kv_out = jax.lax.scan(body, x, (stacked, kv_in))
        if kv_out is None:
            return x, [None] * len(layers)
        return x, [(kv_out[0][i], kv_out[1][i]) for i in range(len(layers))]

    def init_cache(self, batch_size: int, max_length: int, dtype=None) -> KVCache:
        """An empty :class:`KVCache` for ``batch_size`` rows and ``max_length`` slots (dtype: compute dtype)."""
        cfg = self.config
        return KVCache.zeros(cfg.num_layers, batch_size, max_length, cfg.num_kv_heads, cfg.head_dim, dtype or self.dtype)

    def forward_with_cache(
        self, input_ids: jax.Array, positions: jax.Array, cache: KVCache, key_mask: jax.Array | None = None
    ) -> tuple[jax.Array, KVCache]:
        """Run ``T`` new tokens per row against the cache; returns ``(logits [B, T, vocab] float32, new cache)``.

        Semantics (all rows advance together):

        - the new tokens' keys/values are written at slots ``cache.index .. cache.index + T - 1``;
          the caller must keep ``cache.index + T <= max_length`` (writes past the end are clamped by XLA);
        - ``key_mask [B, T]`` (default all True) says which new tokens are real; a False token is
          written but never attended to by anyone (left padding of a prompt);
        - query ``t`` attends to every valid slot ``s <= cache.index + t`` (causal in slot order,
          including itself when valid);
        - ``positions [B, T]`` are the RoPE positions of the new tokens, e.g. ``cumsum(mask) - 1``
          over a left-padded prompt and then ``last + 1`` per decode step;
        - the returned cache has ``index + T`` and the new validity bits.

        Prefill is one call with the whole (padded) prompt; decoding calls it with ``T = 1`` (never under
        ``scan_layers``: a loop over the layers, so the cache is not stacked every step).
        Jittable (e.g. ``nnx.jit``); running a sequence incrementally gives the same logits as
        :meth:`__call__` over the whole sequence.
        """
        b, t = input_ids.shape
        if key_mask is None:
            key_mask = jnp.ones((b, t), bool)
        index = cache.index
        valid = jax.lax.dynamic_update_slice(cache.valid, key_mask.astype(bool), (0, index))
        slots = jnp.arange(cache.max_length, dtype=jnp.int32)
        causal = slots[None, :] <= (index + jnp.arange(t, dtype=jnp.int32))[:, None]  # [T, S]
        mask = causal[None] & valid[:, None, :]
        cos, sin = rotary_angles(positions, jnp.asarray(self._inv_freq, jnp.float32))
        x = constrain_rows(self.embed_tokens(input_ids), self.activation_mesh)
        # One new token per row (a decode step): a loop, so the whole cache is not stacked and split every step.
        x, kvs = self._run_layers(x, cos, sin, mask, cache, index, scan=self.scan_layers and t > 1)
        new_cache = KVCache(keys=tuple(k for k, _ in kvs), values=tuple(v for _, v in kvs), valid=valid, index=index + t)
        return self._logits(x), new_cache

    # ---- one-token decode step on fused weights ------------------------------------------

    def decode_weights(self) -> dict[str, Any]:
        """The weights :meth:`decode_step` reads, rearranged once per generate call (jittable).

        Every matrix is ``[in, out]`` in the compute dtype, and projections that read the same
        input are concatenated (q/k/v into one matrix, gate/up into another): at a handful of
        rows per step XLA:CPU runs a product with a transposed ``[out, in]`` operand 1.5-1.8x
        slower, and each separate dot costs a fixed dispatch. Costs one copy of the weights,
        so samplers use it on the CPU only.
        """
        dt = self.dtype

        def t(p: Projection) -> jax.Array:
            return p.weight[...].astype(dt).T

        def bias(*ps: Projection) -> jax.Array | None:
            if ps[0].bias is None:
                return None
            return jnp.concatenate([p.bias[...].astype(dt) for p in ps])

        def norm(n: RMSNorm | None) -> jax.Array | None:
            return None if n is None else n.weight[...].astype(dt)

        layers = []
        for layer in self.layers:
            a, m = layer.self_attn, layer.mlp
            layers.append(
                dict(
                    ln1=norm(layer.input_layernorm),
                    qkv=jnp.concatenate([t(a.q_proj), t(a.k_proj), t(a.v_proj)], axis=1),
                    qkv_b=bias(a.q_proj, a.k_proj, a.v_proj),
                    q_norm=norm(a.q_norm),
                    k_norm=norm(a.k_norm),
                    o=t(a.o_proj),
                    o_b=bias(a.o_proj),
                    ln2=norm(layer.post_attention_layernorm),
                    gate_up=jnp.concatenate([t(m.gate_proj), t(m.up_proj)], axis=1),
                    gate_up_b=bias(m.gate_proj, m.up_proj),
                    down=t(m.down_proj),
                    down_b=bias(m.down_proj),
                )
            )
        head = self.embed_tokens.weight[...] if self.lm_head is None else self.lm_head.weight[...]
        weights = dict(
            embed=self.embed_tokens.weight[...],
            layers=layers,
            norm=norm(self.norm),
            head=head.astype(dt).T,
        )
        # keeps XLA from folding the rearrangement back into the consumers (e.g. inside a decode loop)
        return jax.lax.optimization_barrier(weights)

    def decode_step(self, weights: dict[str, Any], ids: jax.Array, positions: jax.Array, cache: KVCache) -> tuple[jax.Array, KVCache]:
        """One new token per row: ``ids [B]`` at RoPE ``positions [B]`` against ``cache``.

        Returns ``(logits [B, vocab] float32, new cache)``; the same computation as
        :meth:`forward_with_cache` with ``T = 1`` (equal up to float rounding), on
        ``weights = self.decode_weights()``, with only the arithmetic a single token needs.
        """
        cfg = self.config
        dt = self.dtype
        b = ids.shape[0]
        h, hkv, d = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        g = h // hkv
        qs, kvs, inter = cfg.q_size, cfg.kv_size, cfg.intermediate_size
        eps = cfg.rms_norm_eps
        index = cache.index
        valid = jax.lax.dynamic_update_slice(cache.valid, jnp.ones((b, 1), bool), (0, index))
        mask = valid & (jnp.arange(cache.max_length, dtype=jnp.int32) <= index)[None, :]  # [B, S]
        cos, sin = rotary_angles(positions[:, None], jnp.asarray(self._inv_freq, jnp.float32))
        cos, sin = cos[:, 0], sin[:, 0]  # [B, D]

        def rms(x, w):
            xf = x.astype(jnp.float32)
            xf = xf * jax.lax.rsqrt(jnp.mean(xf * xf, axis=-1, keepdims=True) + eps)
            return w * xf.astype(dt)

        def rope(x, c, s):
            xf = x.astype(jnp.float32)
            rotated = jnp.concatenate([-xf[..., d // 2 :], xf[..., : d // 2]], axis=-1)
            return (xf * c + rotated * s).astype(x.dtype)

        def dense(x, w, bias):
            y = jnp.dot(x, w)
            return y if bias is None else y + bias

        x = jnp.take(weights["embed"], ids, axis=0).astype(dt)  # [B, hidden]
        keys, values = [], []
        for i, lw in enumerate(weights["layers"]):
            qkv = dense(rms(x, lw["ln1"]), lw["qkv"], lw["qkv_b"])
            q = qkv[:, :qs].reshape(b, hkv, g, d)
            k = qkv[:, qs : qs + kvs].reshape(b, hkv, d)
            v = qkv[:, qs + kvs :].reshape(b, hkv, d)
            if lw["q_norm"] is not None:
                q, k = rms(q, lw["q_norm"]), rms(k, lw["k_norm"])
            q = rope(q, cos[:, None, None, :], sin[:, None, None, :])
            k = rope(k, cos[:, None, :], sin[:, None, :])
            k_cache = jax.lax.dynamic_update_slice(cache.keys[i], k[:, :, :, None].astype(cache.keys[i].dtype), (0, 0, 0, index))
            v_cache = jax.lax.dynamic_update_slice(cache.values[i], v[:, :, None, :].astype(cache.values[i].dtype), (0, 0, index, 0))
            keys.append(k_cache)
            values.append(v_cache)
            scores = jnp.einsum("bkgd,bkds->bkgs", q, k_cache, preferred_element_type=jnp.float32) * (d**-0.5)
            scores = jnp.where(mask[:, None, None, :], scores, _MASKED)
            probs = jax.nn.softmax(scores, axis=-1).astype(dt)
            attn = jnp.einsum("bkgs,bksd->bkgd", probs, v_cache.astype(dt)).reshape(b, qs)
            x = x + dense(attn, lw["o"], lw["o_b"])
            gu = dense(rms(x, lw["ln2"]), lw["gate_up"], lw["gate_up_b"])
            x = x + dense(jax.nn.silu(gu[:, :inter]) * gu[:, inter:], lw["down"], lw["down_b"])
        logits = jnp.dot(rms(x, weights["norm"]), weights["head"], preferred_element_type=jnp.float32)
        new_cache = KVCache(keys=tuple(keys), values=tuple(values), valid=valid, index=index + 1)
        return logits, new_cache

"""Batched generation with a KV cache: one prefill, then a jitted decode loop.

Layout. Every batch is left-padded into a prompt bucket (the next power of two at or above
the longest prompt, at least ``min_prompt_bucket``): the last prompt token of every row sits
in the same slot, so one prefill call ends with each row's next-token logits and every row
then writes its new token into the same cache slot per step. Padding keys are never
attended to (the cache's ``valid`` bits) and RoPE positions count real tokens only, so a
row's output does not depend on its bucket or its batch-mates. Right-padded or unpadded
inputs are converted to this layout on the host.

Decoding is a ``lax.while_loop`` that exits early once every row has stopped. With stop
strings it runs in chunks of ``stop_check_interval`` steps and the host decodes the new text
between chunks (see :mod:`inftool_jax.rollout.stop_criteria`). Compiled programs are keyed
by (batch, prompt bucket, max_new_tokens) and the model's structure; sampling settings are
run-time arrays, so changing them never recompiles.

Shared prefill: each distinct prompt is prefilled once (``num_samples`` copies and identical
prompts given more than once alike) and its cache rows, last-position logits and RoPE position
are gathered into every row that continues it, so a GRPO group of G samples costs one prompt
forward instead of G. ``Sampler(share_prefill=False)`` prefills every row (the reference path).

Randomness: row ``r`` (after ``num_samples`` repetition) draws step ``t`` with
``fold_in(fold_in(key, r), t)``: a fixed key gives the same output every time, with or without
shared prefill.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx, struct
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from inftool_jax.errors import InputError
from inftool_jax.model.kv_cache import KVCache
from inftool_jax.rollout.logits_processing import sample_tokens
from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.rollout.stop_criteria import StopStringMatcher, resolve_stop_token_ids

# finish codes on device -> reasons in SampleOutput
RUNNING, STOP_TOKEN, LENGTH, STOP_STRING, PADDING = 0, 1, 2, 3, 4
FINISH_REASONS = {RUNNING: "running", STOP_TOKEN: "stop_token", LENGTH: "length", STOP_STRING: "stop_string"}
PROMPTS = "<prompts>"


@dataclasses.dataclass
class SampleOutput:
    """Completions for ``N = len(prompts) * num_samples`` rows (row ``i*G+g`` is sample ``g`` of prompt ``i``).

    Arrays are host numpy arrays of width ``T = max_new_tokens``; positions past a row's end
    hold ``pad_token_id`` and mask 0.
    """

    tokens: np.ndarray
    """``[N, T]`` int32 generated token ids (a stop token that ended the row is included)."""
    logprobs: np.ndarray
    """``[N, T]`` float32 log-prob of each token under the raw policy: ``log_softmax(logits)`` at
    temperature 1, no top-k/top-p. This is the old-policy log-prob GRPO's ratio needs."""
    sampling_logprobs: np.ndarray
    """``[N, T]`` float32 log-prob under the processed distribution the token was drawn from
    (temperature, top-k, top-p applied; 0 for greedy)."""
    mask: np.ndarray
    """``[N, T]`` bool, True on generated tokens."""
    lengths: np.ndarray
    """``[N]`` int32 number of generated tokens per row."""
    finish_reasons: list[str]
    """Per row: ``stop_token``, ``stop_string`` or ``length``."""
    prompts: list[np.ndarray]
    """Per row: the prompt token ids it continues (repeated ``num_samples`` times)."""
    prompt_index: np.ndarray
    """``[N]`` int32: which input prompt each row belongs to."""
    texts: list[str] | None = None
    """Per row, the decoded completion (cut right after a stop string), when the sampler has a tokenizer."""


@struct.dataclass
class _Carry:
    cache: KVCache
    last: jax.Array  # [B] token to feed next
    pos: jax.Array  # [B] the RoPE position ``last`` is fed at
    tokens: jax.Array  # [B, T]
    policy_lp: jax.Array  # [B, T]
    sample_lp: jax.Array  # [B, T]
    valid: jax.Array  # [B, T]
    done: jax.Array  # [B]
    reason: jax.Array  # [B]
    step: jax.Array  # scalar: tokens sampled so far
    row_keys: jax.Array  # [B] PRNG keys


@struct.dataclass
class _Params:
    temperature: jax.Array  # [B]
    top_k: jax.Array  # [B]
    top_p: jax.Array  # [B]
    stop_ids: jax.Array  # [S], -1 = unused
    pad_id: jax.Array  # scalar


def prompt_bucket(length: int, minimum: int) -> int:
    """The padded prompt width: the next power of two ``>= max(length, minimum)``."""
    n = max(int(length), int(minimum), 1)
    return 1 << (n - 1).bit_length()


def _sample_and_record(carry: _Carry, logits: jax.Array, params: _Params, cache: KVCache) -> _Carry:
    t = carry.step
    keys = jax.vmap(jax.random.fold_in, in_axes=(0, None))(carry.row_keys, t)
    token, policy_lp, sample_lp = sample_tokens(keys, logits, params.temperature, params.top_k, params.top_p)
    active = ~carry.done
    max_new = carry.tokens.shape[1]
    hit_stop = active & jnp.any(token[:, None] == params.stop_ids[None, :], axis=-1)
    at_length = active & ~hit_stop & (t + 1 >= max_new)
    reason = jnp.where(hit_stop, STOP_TOKEN, jnp.where(at_length, LENGTH, carry.reason))

    def put(buf, value):
        return jax.lax.dynamic_update_slice(buf, value[:, None].astype(buf.dtype), (0, t))

    return _Carry(
        cache=cache,
        last=token,
        pos=carry.pos + 1,
        tokens=put(carry.tokens, jnp.where(active, token, params.pad_id)),
        policy_lp=put(carry.policy_lp, jnp.where(active, policy_lp, 0.0)),
        sample_lp=put(carry.sample_lp, jnp.where(active, sample_lp, 0.0)),
        valid=put(carry.valid, active),
        done=carry.done | hit_stop | at_length,
        reason=reason,
        step=t + 1,
        row_keys=carry.row_keys,
    )


def _constrain_cache(cache: KVCache, kv_sharding: NamedSharding | None) -> KVCache:
    if kv_sharding is None:
        return cache
    c = partial(jax.lax.with_sharding_constraint, shardings=kv_sharding)
    return cache.replace(keys=tuple(map(c, cache.keys)), values=tuple(map(c, cache.values)))


def _gather_rows(cache: KVCache, source: jax.Array) -> KVCache:
    """Row ``r`` of the result is row ``source[r]`` of ``cache`` (the slot index is shared)."""
    take = partial(jnp.take, indices=source, axis=0)
    return cache.replace(keys=tuple(map(take, cache.keys)), values=tuple(map(take, cache.values)), valid=take(cache.valid))


@partial(jax.jit, static_argnames=("graphdef", "max_new", "kv_sharding"))
def _prefill(graphdef, state, ids, key_mask, source, done, key, params: _Params, *, max_new: int, kv_sharding) -> _Carry:
    """Prefill the distinct left-padded prompts ``ids [U, W]``, give row ``r`` prompt ``source[r]``, sample the first token."""
    model = nnx.merge(graphdef, state)
    u, width = ids.shape
    b = source.shape[0]
    cache = _constrain_cache(model.init_cache(u, width + max_new), kv_sharding)
    positions = jnp.maximum(jnp.cumsum(key_mask, axis=1) - 1, 0).astype(jnp.int32)
    logits, cache = model.forward_with_cache(ids, positions, cache, key_mask)
    cache = _constrain_cache(_gather_rows(cache, source), kv_sharding)
    logits, positions = logits[:, -1][source], positions[:, -1][source]
    row_keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, jnp.arange(b, dtype=jnp.uint32))
    carry = _Carry(
        cache=cache,
        last=jnp.zeros((b,), jnp.int32),
        pos=positions,
        tokens=jnp.full((b, max_new), params.pad_id, jnp.int32),
        policy_lp=jnp.zeros((b, max_new), jnp.float32),
        sample_lp=jnp.zeros((b, max_new), jnp.float32),
        valid=jnp.zeros((b, max_new), bool),
        done=done,
        reason=jnp.where(done, PADDING, RUNNING).astype(jnp.int32),
        step=jnp.zeros((), jnp.int32),
        row_keys=row_keys,
    )
    return _sample_and_record(carry, logits, params, cache)


@partial(jax.jit, static_argnames=("graphdef", "fused"), donate_argnames=("carry",))
def _decode(graphdef, state, carry: _Carry, params: _Params, until, fused: bool = False) -> _Carry:
    """Decode until ``carry.step == until`` or every row is done.

    ``fused``: run :meth:`CausalLM.decode_step` on weights rearranged once here, before the
    loop (``[in, out]`` matrices, q/k/v and gate/up concatenated): on the CPU a decode step is
    a few rows times every weight, and XLA:CPU multiplies those 1.5x faster by an ``[in, out]``
    operand than by the HF ``[out, in]`` one. Costs one copy of the weights per call, so off on
    accelerators, where layouts are the compiler's business.
    """
    model = nnx.merge(graphdef, state)
    weights = model.decode_weights() if fused else None

    def cond(c: _Carry):
        return (c.step < until) & ~jnp.all(c.done)

    def body(c: _Carry):
        if fused:
            logits, cache = model.decode_step(weights, c.last, c.pos, c.cache)
        else:
            step_logits, cache = model.forward_with_cache(c.last[:, None], c.pos[:, None], c.cache)
            logits = step_logits[:, 0]
        return _sample_and_record(c, logits, params, cache)

    return jax.lax.while_loop(cond, body, carry)


@partial(jax.jit, donate_argnames=("carry",))
def _mark_done(carry: _Carry, stopped: jax.Array) -> _Carry:
    """Finish rows the host found a stop string in (their tokens past it are dropped on the host)."""
    return carry.replace(done=carry.done | stopped)


class Sampler:
    """Generate completions from a :class:`~inftool_jax.model.decoder.CausalLM`.

    ``Sampler(model, tokenizer=None, mesh=None, share_prefill=True)``; with a mesh the model should already be
    sharded on it (``model.sharding.shard_model``); batches are then padded to a multiple of
    the mesh's batch axes (``data`` x ``fsdp``) and split over them. The model is read at every
    call, so weight updates made in place between calls are used. ``share_prefill=False``
    prefills every output row separately (same outputs, G times the prefill work; kept as the
    reference the shared path is tested and benchmarked against).
    """

    def __init__(self, model: Any, tokenizer: Any | None = None, mesh: Mesh | None = None, share_prefill: bool = True):
        self.model = model
        self.share_prefill = share_prefill
        self.tokenizer = tokenizer
        self.mesh = mesh
        self.vocab_size = int(model.config.vocab_size)
        hf = model.hf_config
        pad = getattr(tokenizer, "pad_token_id", None) if tokenizer is not None else None
        if pad is None:
            pad = hf.get("pad_token_id")
        self.pad_token_id = int(pad) if isinstance(pad, int) else 0
        self._fused = jax.default_backend() == "cpu"

    # ---- inputs ------------------------------------------------------------

    def _prompt_lists(self, prompts: Any, attention_mask: Any, padding_side: str) -> list[np.ndarray]:
        if padding_side not in ("auto", "left", "right"):
            raise InputError(PROMPTS, "padding_side", f"must be 'auto', 'left' or 'right', got {padding_side!r}")
        if isinstance(prompts, (np.ndarray, jax.Array)):
            ids = np.asarray(prompts)
            if ids.ndim != 2:
                raise InputError(PROMPTS, "", f"a padded prompt array must be [batch, length], got shape {list(ids.shape)}")
            mask = np.ones(ids.shape, bool) if attention_mask is None else np.asarray(attention_mask).astype(bool)
            if mask.shape != ids.shape:
                raise InputError(PROMPTS, "attention_mask", f"shape {list(mask.shape)} differs from the prompts' {list(ids.shape)}")
            rows = []
            for i, (row, m) in enumerate(zip(ids, mask)):
                where = np.flatnonzero(m)
                if where.size and where[-1] - where[0] + 1 != where.size:
                    raise InputError(PROMPTS, f"/{i}", "the attention mask of a padded row must be one run of real tokens")
                if where.size and padding_side == "left" and where[-1] != len(m) - 1:
                    raise InputError(PROMPTS, f"/{i}", "padding_side='left' but the row has padding on the right")
                if where.size and padding_side == "right" and where[0] != 0:
                    raise InputError(PROMPTS, f"/{i}", "padding_side='right' but the row has padding on the left")
                rows.append(row[where])
        else:
            if attention_mask is not None:
                raise InputError(PROMPTS, "attention_mask", "only padded prompt arrays take an attention mask")
            if not isinstance(prompts, Sequence) or isinstance(prompts, (str, bytes)):
                raise InputError(PROMPTS, "", "prompts must be a list of token-id lists or a padded [batch, length] array")
            rows = []
            for i, p in enumerate(prompts):
                try:
                    arr = np.asarray(p)
                except (TypeError, ValueError):
                    arr = np.asarray([], dtype=object)
                if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
                    raise InputError(PROMPTS, f"/{i}", "a prompt must be a flat list of integer token ids")
                rows.append(arr)
        if not rows:
            raise InputError(PROMPTS, "", "no prompts given")
        out = []
        for i, row in enumerate(rows):
            if row.size == 0:
                raise InputError(PROMPTS, f"/{i}", "a prompt must hold at least one token")
            if not np.issubdtype(row.dtype, np.integer):
                raise InputError(PROMPTS, f"/{i}", "token ids must be integers")
            bad = row[(row < 0) | (row >= self.vocab_size)]
            if bad.size:
                raise InputError(PROMPTS, f"/{i}", f"token id {int(bad[0])} is outside the vocabulary [0, {self.vocab_size})")
            out.append(row.astype(np.int32))
        return out

    def _batch_multiple(self) -> int:
        if self.mesh is None:
            return 1
        return int(self.mesh.shape["data"] * self.mesh.shape["fsdp"])

    def _kv_sharding(self) -> NamedSharding | None:
        if self.mesh is None:
            return None
        tp = self.mesh.shape["tp"]
        heads = "tp" if self.model.config.num_kv_heads % tp == 0 else None
        return NamedSharding(self.mesh, P(("data", "fsdp"), heads, None, None))

    def _put(self, x: np.ndarray) -> jax.Array:
        # Always committed: jit keys its cache on committed-ness, and carries that came back from
        # a call with committed inputs are committed, so mixing would recompile mid-generation.
        if self.mesh is None:
            return jax.device_put(x, jax.devices()[0])
        spec = P(("data", "fsdp"), *([None] * (x.ndim - 1)))
        return jax.device_put(x, NamedSharding(self.mesh, spec))

    # ---- generation --------------------------------------------------------

    def generate(
        self,
        prompts: Any,
        config: SamplingConfig | None = None,
        key: jax.Array | int = 0,
        *,
        attention_mask: Any = None,
        padding_side: str = "auto",
        progress: bool = False,
    ) -> SampleOutput:
        """Complete every prompt ``config.num_samples`` times.

        ``prompts``: a list of token-id lists (any lengths), or a padded ``[batch, length]``
        array with ``attention_mask`` (1 = real token) padded on either side (``padding_side``
        'left'/'right' checks it, 'auto' accepts both). ``key``: a ``jax.random`` key or an int seed.
        ``progress`` shows a bar over decode chunks (decoding then runs in chunks).
        """
        config = config or SamplingConfig()
        rows = self._prompt_lists(prompts, attention_mask, padding_side)
        matcher = StopStringMatcher(self.tokenizer, config.stop_strings, config.skip_special_tokens)
        stop_ids = resolve_stop_token_ids(
            config.stop_token_ids, config.stop_at_eos, self.tokenizer, self.model.hf_config, self.vocab_size
        )
        g = config.num_samples
        rows = [r for r in rows for _ in range(g)]
        prompt_index = np.repeat(np.arange(len(rows) // g, dtype=np.int32), g)
        n = len(rows)
        multiple = self._batch_multiple()
        b = -(-n // multiple) * multiple
        width = prompt_bucket(max(len(r) for r in rows), config.min_prompt_bucket)
        distinct, source = self._distinct_prompts(rows)
        u = -(-len(distinct) // multiple) * multiple
        ids = np.full((u, width), self.pad_token_id, np.int32)
        key_mask = np.zeros((u, width), bool)
        for i, r in enumerate(distinct):
            ids[i, width - len(r) :] = r
            key_mask[i, width - len(r) :] = True
        key_mask[len(distinct) :, -1] = True  # padding prompts: one dummy token
        # padding rows continue a padding prompt when there is one (else prompt 0); finished from the start
        source = np.concatenate([source, np.full(b - n, len(distinct) % u, np.int32)])
        done = np.arange(b) >= n

        s = 1 << max(len(stop_ids) - 1, 0).bit_length()  # stop-id slots in powers of two: fewer shapes
        stop_arr = np.full((max(s, 1),), -1, np.int32)
        stop_arr[: len(stop_ids)] = stop_ids
        params = _Params(
            temperature=self._put(np.full((b,), config.temperature, np.float32)),
            top_k=self._put(np.full((b,), config.top_k, np.int32)),
            top_p=self._put(np.full((b,), config.top_p, np.float32)),
            stop_ids=jnp.asarray(stop_arr),
            pad_id=jnp.asarray(self.pad_token_id, jnp.int32),
        )
        if isinstance(key, int):
            key = jax.random.key(key)
        graphdef, state = nnx.split(self.model)
        max_new = config.max_new_tokens
        carry = _prefill(
            graphdef, state, self._put(ids), self._put(key_mask), self._put(source), self._put(done), key, params,
            max_new=max_new, kv_sharding=self._kv_sharding(),
        )
        cut: dict[int, tuple[int, str]] = {}
        if not matcher and not progress:
            carry = _decode(graphdef, state, carry, params, jnp.asarray(max_new, jnp.int32), self._fused)
        else:
            carry = self._decode_in_chunks(graphdef, state, carry, params, matcher, config, n, cut, progress)

        tokens, policy_lp, sample_lp, valid, reason = jax.device_get(
            (carry.tokens, carry.policy_lp, carry.sample_lp, carry.valid, carry.reason)
        )
        tokens, policy_lp, sample_lp = np.array(tokens[:n]), np.array(policy_lp[:n]), np.array(sample_lp[:n])
        valid, reason = np.array(valid[:n]), np.array(reason[:n])
        for row, (length, _) in cut.items():
            valid[row, length:] = False
            reason[row] = STOP_STRING
        tokens[~valid] = self.pad_token_id
        policy_lp[~valid] = 0.0
        sample_lp[~valid] = 0.0
        lengths = valid.sum(axis=1).astype(np.int32)
        texts = None
        if self.tokenizer is not None:
            texts = [
                cut[i][1] if i in cut else self.tokenizer.decode(tokens[i, : lengths[i]].tolist(), skip_special_tokens=config.skip_special_tokens)
                for i in range(n)
            ]
        return SampleOutput(
            tokens=tokens,
            logprobs=policy_lp,
            sampling_logprobs=sample_lp,
            mask=valid,
            lengths=lengths,
            finish_reasons=[FINISH_REASONS[int(r)] for r in reason],
            prompts=rows,
            prompt_index=prompt_index,
            texts=texts,
        )

    def _distinct_prompts(self, rows: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
        """The prompts to prefill and, per row, which of them it continues (every row its own without sharing)."""
        if not self.share_prefill:
            return rows, np.arange(len(rows), dtype=np.int32)
        first: dict[bytes, int] = {}
        distinct: list[np.ndarray] = []
        source = np.empty(len(rows), np.int32)
        for i, r in enumerate(rows):
            j = first.setdefault(r.tobytes(), len(distinct))
            if j == len(distinct):
                distinct.append(r)
            source[i] = j
        return distinct, source

    def _decode_in_chunks(self, graphdef, state, carry, params, matcher, config, n, cut, progress) -> _Carry:
        from tqdm import tqdm

        max_new = config.max_new_tokens
        checked = [0] * n
        bar = tqdm(total=max_new, desc="decoding", unit="tok", disable=not progress, leave=False)
        step = 1
        bar.update(1)
        while True:
            if matcher:
                tokens, valid, done = jax.device_get((carry.tokens, carry.valid, carry.done))
                stopped = np.array(done)
                for row in range(n):
                    if row in cut:
                        continue
                    length = int(valid[row].sum())
                    hit = matcher.first_stop(tokens[row, :length].tolist(), checked[row])
                    checked[row] = length
                    if hit is not None:
                        cut[row] = hit
                        stopped[row] = True
                if not np.array_equal(stopped, done):
                    carry = _mark_done(carry, self._put(stopped))
                if stopped[:n].all():
                    break
            if step >= max_new:
                break
            until = min(step + config.stop_check_interval, max_new)
            carry = _decode(graphdef, state, carry, params, jnp.asarray(until, jnp.int32), self._fused)
            new_step = int(carry.step)
            bar.update(new_step - step)
            step = new_step
            if not matcher and np.asarray(carry.done).all():
                break
        bar.close()
        return carry

    def generate_chat(
        self,
        conversations: Sequence[Any],
        config: SamplingConfig | None = None,
        key: jax.Array | int = 0,
        *,
        progress: bool = False,
    ) -> SampleOutput:
        """Generate the next assistant turn of each conversation.

        Each item is ``(tools, messages)`` (OpenAI tool schemas or None, OpenAI chat messages)
        or a dict with ``"messages"`` and optional ``"tools"`` (an episode); prompts are built
        with the tokenizer's chat template and the generation prompt.
        """
        if self.tokenizer is None:
            raise InputError(PROMPTS, "", "chat generation needs a tokenizer (Sampler(model, tokenizer))")
        from inftool_jax.model.episode_tokens import tokenize_prompt

        prompts = []
        for i, item in enumerate(conversations):
            if isinstance(item, dict):
                tools, messages = item.get("tools"), item.get("messages")
            elif isinstance(item, (tuple, list)) and len(item) == 2:
                tools, messages = item
            else:
                raise InputError(PROMPTS, f"/{i}", "a conversation must be (tools, messages) or {'tools', 'messages'}")
            try:
                prompts.append(tokenize_prompt(self.tokenizer, tools, messages))
            except InputError as err:
                raise InputError(PROMPTS, f"/{i}{err.pointer}", err.problem) from None
        return self.generate(prompts, config, key, progress=progress)

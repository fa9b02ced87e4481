"""Deterministic, length-bucketed batches of tokenized episodes, and their global device arrays.

Order is a pure function of ``(seed, epoch)``: each epoch shuffles the examples,
sorts each window of ``bucket_window`` batches' worth by length (so a batch holds
similar lengths and little padding), cuts batches and shuffles the batch order.
The loader's position is ``{"epoch", "batch"}``, saved with each checkpoint, so a
resumed run sees exactly the batches the uninterrupted run would have.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inftool_jax.errors import InputError


@dataclass
class TokenizedEpisodes:
    """Token ids and loss masks of a dataset's usable episodes (one int32 array pair per episode)."""

    input_ids: list[np.ndarray]
    loss_masks: list[np.ndarray]
    ids: list[str] = field(default_factory=list)
    dropped_overlong: int = 0
    dropped_no_target: int = 0

    def __len__(self) -> int:
        return len(self.input_ids)

    def lengths(self) -> np.ndarray:
        return np.asarray([len(x) for x in self.input_ids], np.int64)

    def subset(self, indices) -> "TokenizedEpisodes":
        idx = [int(i) for i in indices]
        return TokenizedEpisodes(
            [self.input_ids[i] for i in idx], [self.loss_masks[i] for i in idx], [self.ids[i] for i in idx] if self.ids else []
        )


def tokenize_folder(data_dir: str | Path, tokenizer: Any, max_length: int, overlong: str = "drop", progress: bool = False) -> TokenizedEpisodes:
    """Read ``episodes-*.jsonl`` of a dataset folder and tokenize every episode (assistant-token loss masks).

    Episodes longer than ``max_length`` are dropped or truncated (``overlong``); episodes
    with no assistant token left are dropped. Raises :class:`InputError` for a missing
    folder, a folder without episodes, or no usable episode.
    """
    from tqdm import tqdm

    from inftool_jax.model.episode_tokens import tokenize_episode
    from inftool_jax.synth.dataset import read_jsonl, shard_paths

    folder = Path(data_dir)
    if not folder.is_dir():
        raise InputError(str(folder), "", "dataset folder not found")
    shards = shard_paths(folder)
    if not shards:
        raise InputError(str(folder), "", "no episodes-*.jsonl shards in the dataset folder")
    out = TokenizedEpisodes([], [], [])
    records = [(path, n, rec) for path in shards for n, rec in enumerate(read_jsonl(path), 1)]
    for path, n, episode in tqdm(records, desc="tokenizing", disable=not progress, leave=False):
        ids, mask = tokenize_episode(tokenizer, episode, None, source=f"{path} line {n}")
        if len(ids) > max_length:
            if overlong == "drop":
                out.dropped_overlong += 1
                continue
            ids, mask = ids[:max_length], mask[:max_length]
        if mask[1:].sum() == 0:  # the first token is never a target
            out.dropped_no_target += 1
            continue
        out.input_ids.append(ids)
        out.loss_masks.append(mask)
        out.ids.append(str(episode.get("id", f"{path.name}:{n}")) if isinstance(episode, dict) else f"{path.name}:{n}")
    if not out.input_ids:
        raise InputError(
            str(folder), "", f"no usable episode (dropped {out.dropped_overlong} longer than train.max_length={max_length}, "
            f"{out.dropped_no_target} without assistant tokens)"
        )
    return out


def heldout_split(n: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train_indices, heldout_indices)``: ``count`` examples chosen by ``seed``, the rest for training (both sorted)."""
    count = min(max(count, 0), max(n - 1, 0))
    order = np.random.default_rng([seed, 0x5EED]).permutation(n)
    return np.sort(order[count:]), np.sort(order[:count])


def epoch_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int, bucket_window: int = 1) -> list[np.ndarray]:
    """The index batches of one epoch (full batches only), a pure function of its arguments."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    window = batch_size * bucket_window
    batches = []
    for start in range(0, len(order) - batch_size + 1, window):
        chunk = order[start : start + window]
        chunk = chunk[: len(chunk) - len(chunk) % batch_size]
        if bucket_window > 1:
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(data: TokenizedEpisodes, indices: np.ndarray, bucket_multiple: int, pad_id: int = 0) -> dict[str, np.ndarray]:
    """Right-padded ``input_ids``, ``attention_mask``, ``loss_mask`` ``[len(indices), T]`` int32, ``T`` a multiple of ``bucket_multiple``."""
    longest = max(len(data.input_ids[i]) for i in indices)
    length = -(-longest // bucket_multiple) * bucket_multiple
    ids = np.full((len(indices), length), pad_id, np.int32)
    attention = np.zeros((len(indices), length), np.int32)
    loss = np.zeros((len(indices), length), np.int32)
    for row, i in enumerate(indices):
        n = len(data.input_ids[i])
        ids[row, :n] = data.input_ids[i]
        attention[row, :n] = 1
        loss[row, :n] = data.loss_masks[i]
    return {"input_ids": ids, "attention_mask": attention, "loss_mask": loss}


class BatchLoader:
    """Endless (or ``epochs``-long) deterministic batches with a saveable position."""

    def __init__(self, data: TokenizedEpisodes, batch_size: int, seed: int, bucket_multiple: int, bucket_window: int = 1, pad_id: int = 0):
        if len(data) < batch_size:
            raise InputError("<config>", "train.batch_size", f"{batch_size} is more than the {len(data)} training episodes")
        self.data = data
        self.batch_size = batch_size
        self.seed = seed
        self.bucket_multiple = bucket_multiple
        self.bucket_window = bucket_window
        self.pad_id = pad_id
        self.lengths = data.lengths()
        self.epoch = 0
        self.batch = 0
        self._plan: list[np.ndarray] | None = None

    @property
    def batches_per_epoch(self) -> int:
        return len(self.data) // self.batch_size

    def position(self) -> dict[str, int]:
        """Where the next batch comes from (JSON for the checkpoint)."""
        return {"epoch": self.epoch, "batch": self.batch}

    def restore(self, position: dict[str, int]) -> None:
        self.epoch, self.batch = int(position["epoch"]), int(position["batch"])
        self._plan = None

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        if self._plan is None:
            self._plan = epoch_batches(self.lengths, self.batch_size, self.seed, self.epoch, self.bucket_window)
        if self.batch >= len(self._plan):
            self.epoch, self.batch, self._plan = self.epoch + 1, 0, None
            return next(self)
        indices = self._plan[self.batch]
        self.batch += 1
        return collate(self.data, indices, self.bucket_multiple, self.pad_id)


def global_batch(batch: dict[str, np.ndarray], mesh) -> dict[str, Any]:
    """Device arrays of a global batch, split over the mesh's ``data``/``fsdp`` axes.

    Every process holds the same global numpy batch (the order is deterministic);
    each contributes only the rows its devices own, via
    ``jax.make_array_from_process_local_data``, so multi-host needs no gather.
    """
    import jax

    from inftool_jax.model.sharding import batch_sharding

    out = {}
    for key, value in batch.items():
        sharding = batch_sharding(mesh, value.ndim)
        if jax.process_count() == 1:
            out[key] = jax.device_put(value, sharding)
            continue
        rows = value.shape[0] // jax.process_count()
        local = value[jax.process_index() * rows : (jax.process_index() + 1) * rows]
        out[key] = jax.make_array_from_process_local_data(sharding, local, value.shape)
    return out

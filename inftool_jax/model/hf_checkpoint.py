"""Hugging Face checkpoint folders on disk: config.json, single or sharded safetensors, per-tensor reads.

No jax here: reading hands out numpy slices so callers can place each shard
straight onto its device; writing takes numpy arrays one shard file at a time.
"""

from __future__ import annotations

import json
import math
import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

from inftool_jax.errors import InputError

SINGLE_FILE = "model.safetensors"
INDEX_FILE = "model.safetensors.index.json"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "chat_template.jinja",
    "chat_template.json",
)

_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}


def read_config(folder: str | Path) -> dict[str, Any]:
    """The parsed ``config.json`` of a model folder; InputError when the folder or file is missing or bad."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "", "model folder not found")
    path = folder / "config.json"
    if not path.is_file():
        raise InputError(str(path), "", "config.json not found in the model folder")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(str(path), "", f"not valid JSON ({err})") from None
    if not isinstance(cfg, dict):
        raise InputError(str(path), "", "the config must be a JSON object")
    return cfg


class TensorReader:
    """Name → (file, shape, dtype) for every tensor of a checkpoint, with sliced reads.

    Use as a context manager; files stay open (memory-mapped) until exit.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._stack = ExitStack()
        self._handles: dict[Path, Any] = {}
        self.files: dict[str, Path] = {}
        single, index = self.folder / SINGLE_FILE, self.folder / INDEX_FILE
        self.listing = index if index.is_file() else single  # the file that says which tensors exist
        if index.is_file():
            try:
                weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
                if not isinstance(weight_map, dict):
                    raise TypeError
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                raise InputError(str(index), "/weight_map", "not a safetensors index (needs a weight_map object)") from None
            for name, fname in weight_map.items():
                path = self.folder / str(fname)
                if not path.is_file():
                    raise InputError(str(index), f"/weight_map/{name}", f"shard {fname} is missing (partial checkpoint)")
                self.files[name] = path
        elif single.is_file():
            self.files = {name: single for name in self._open(single).keys()}
        else:
            raise InputError(str(self.folder), "", f"no {SINGLE_FILE} or {INDEX_FILE} in the model folder")

    def _open(self, path: Path):
        if path not in self._handles:
            try:
                self._handles[path] = self._stack.enter_context(safe_open(str(path), framework="numpy"))
            except Exception as err:  # safetensors raises its own error types for corrupt headers
                raise InputError(str(path), "", f"not a readable safetensors file ({err})") from None
        return self._handles[path]

    def __enter__(self) -> "TensorReader":
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def _slice(self, name: str):
        try:
            return self._open(self.files[name]).get_slice(name)
        except Exception as err:
            raise InputError(str(self.files[name]), name, f"tensor not readable ({err})") from None

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._slice(name).get_shape())

    def dtype(self, name: str) -> str:
        return _DTYPES.get(self._slice(name).get_dtype(), self._slice(name).get_dtype())

    def read(self, name: str, index: tuple[slice, ...] | None = None, dtype=None) -> np.ndarray:
        """The tensor (or the block ``index`` of it), converted to ``dtype``; reads only that block."""
        sl = self._slice(name)
        arr = sl[index] if index is not None and len(index) else sl[:]
        arr = np.asarray(arr)
        return arr.astype(dtype) if dtype is not None and arr.dtype != np.dtype(dtype) else arr


def write_safetensors(
    folder: str | Path,
    names: list[str],
    get: Callable[[str], np.ndarray],
    nbytes: dict[str, int],
    max_shard_bytes: int,
    progress: Iterable | None = None,
) -> list[Path]:
    """Write tensors as ``model.safetensors`` or, above ``max_shard_bytes``, numbered shards + index.

    ``get(name)`` produces one tensor at a time so only one shard is held in memory.
    """
    folder = Path(folder)
    shards: list[list[str]] = [[]]
    size = 0
    for name in names:
        if shards[-1] and size + nbytes[name] > max_shard_bytes:
            shards.append([])
            size = 0
        shards[-1].append(name)
        size += nbytes[name]
    for stale in list(folder.glob("model*.safetensors")) + [folder / INDEX_FILE]:
        stale.unlink(missing_ok=True)  # an older export with another shard count must not linger
    count = len(shards)
    fnames = [SINGLE_FILE] if count == 1 else [f"model-{i + 1:05d}-of-{count:05d}.safetensors" for i in range(count)]
    done = iter(progress) if progress is not None else None
    for fname, shard in zip(fnames, shards):
        tensors = {}
        for name in shard:
            tensors[name] = np.ascontiguousarray(get(name))
            if done is not None:
                next(done, None)
        save_file(tensors, str(folder / fname), metadata={"format": "pt"})
    if count > 1:
        index = {
            "metadata": {"total_size": int(sum(nbytes.values()))},
            "weight_map": {name: fname for fname, shard in zip(fnames, shards) for name in shard},
        }
        (folder / INDEX_FILE).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [folder / f for f in fnames]


def copy_tokenizer_files(src: str | Path, dst: str | Path) -> list[str]:
    """Copy whichever tokenizer files exist in ``src`` to ``dst``; returns their names."""
    src, dst = Path(src), Path(dst)
    copied = []
    if src.resolve() == dst.resolve():
        return copied
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)
            copied.append(name)
    return copied


def parse_size(text: str | int) -> int:
    """``"5GB"`` / ``"200MB"`` / ``1024`` → bytes (HF's max_shard_size spelling)."""
    if isinstance(text, int):
        return text
    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "B": 1}
    t = str(text).strip().upper()
    for unit, mult in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if t.endswith(unit):
            return int(math.floor(float(t[: -len(unit)]) * mult))
    return int(t)

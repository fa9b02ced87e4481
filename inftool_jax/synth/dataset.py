"""The dataset on disk: append-only JSONL shards that survive ``kill -9``.

Kept episodes go to ``episodes-00000.jsonl``, ``episodes-00001.jsonl``, ...
(``shard_size`` lines each); rejected ones, with their reasons, to
``rejected-00000.jsonl``, .... Each record is one line written with a single
``write`` on an ``O_APPEND`` descriptor, fsynced every ``fsync_every`` lines: a line
that ends in a newline is complete. After a crash, :meth:`ShardedJsonl.recover`
cuts a torn last line off, so the files hold exactly the records whose write
finished.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from inftool_jax.errors import InputError

EPISODES = "episodes"
REJECTED = "rejected"


def shard_name(prefix: str, number: int) -> str:
    return f"{prefix}-{number:05d}.jsonl"


def shard_paths(folder: str | Path, prefix: str = EPISODES) -> list[Path]:
    """The shards of ``prefix`` in ``folder``, in order."""
    return sorted(Path(folder).glob(f"{prefix}-[0-9][0-9][0-9][0-9][0-9].jsonl"))


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of one complete JSONL file; a bad line is an InputError naming file and line."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(str(path), f"line {number}", f"not a JSON record ({err.msg})") from None


def read_episodes(folder: str | Path, prefix: str = EPISODES) -> Iterator[dict[str, Any]]:
    """Every record of ``prefix``'s shards in ``folder``, in order."""
    for path in shard_paths(folder, prefix):
        yield from read_jsonl(path)


def _cut_torn_tail(path: Path) -> int:
    """Truncate a last line that has no newline; returns the bytes cut."""
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        # walk back to the last newline in blocks
        pos = size
        keep = 0
        while pos > 0:
            start = max(0, pos - 65536)
            f.seek(start)
            block = f.read(pos - start)
            nl = block.rfind(b"\n")
            if nl >= 0:
                keep = start + nl + 1
                break
            pos = start
        f.truncate(keep)
        f.flush()
        os.fsync(f.fileno())
        return size - keep


class ShardedJsonl:
    """Append-only writer of ``prefix-NNNNN.jsonl`` shards in ``folder``."""

    def __init__(self, folder: str | Path, prefix: str, shard_size: int, fsync_every: int = 1):
        self.folder = Path(folder)
        self.prefix = prefix
        self.shard_size = shard_size
        self.fsync_every = fsync_every
        self._unsynced = 0
        self._fd: int | None = None
        self._shard = 0
        self._lines = 0
        self.count = 0
        self.cut_bytes = 0

    def recover(self) -> list[dict[str, Any]]:
        """Cut torn tails, read every complete record, and position the writer after them."""
        records: list[dict[str, Any]] = []
        paths = shard_paths(self.folder, self.prefix)
        for path in paths:
            self.cut_bytes += _cut_torn_tail(path)
            records.extend(read_jsonl(path))
        if paths:
            self._shard = int(paths[-1].stem.rsplit("-", 1)[1])
            self._lines = sum(1 for line in open(paths[-1], "rb") if line.strip())
        self.count = len(records)
        return records

    def _open(self) -> int:
        if self._lines >= self.shard_size:
            # The current shard is full: move on whether it is open or not. A writer that recovered a
            # full last shard (killed right after its last line) has no descriptor yet; appending to
            # that shard anyway shifted every later shard boundary against an uninterrupted run.
            self.close()
            self._shard += 1
            self._lines = 0
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / shard_name(self.prefix, self._shard)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        return self._fd

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line (single write, then fsync when configured)."""
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = self._open()
        view = memoryview(data)
        while view:  # a regular-file write is complete in practice; loop for the rare short write
            n = os.write(fd, view)
            view = view[n:]
        self._unsynced += 1
        if self.fsync_every and self._unsynced >= self.fsync_every:
            os.fsync(fd)
            self._unsynced = 0
        self._lines += 1
        self.count += 1

    def close(self) -> None:
        """fsync what is unsynced (unless fsync is off) and close the shard."""
        if self._fd is not None:
            if self.fsync_every and self._unsynced:
                os.fsync(self._fd)
            self._unsynced = 0
            os.close(self._fd)
            self._fd = None


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to a temporary file and rename it over ``path`` (readers never see half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)

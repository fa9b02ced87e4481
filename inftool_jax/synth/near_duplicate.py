"""Near-duplicate detection: word-shingle MinHash signatures with banded LSH.

An episode's fingerprint text is its normalised user words plus its calls
(names and argument values). Two episodes are near-duplicates when the
MinHash estimate of their shingle Jaccard similarity reaches the threshold;
LSH bands find the candidates without comparing against every kept episode.
Hashes are CRC32 of the shingles and a fixed universal hash family, so
signatures are the same in every process (a resumed run rebuilds the index
from the kept episodes on disk and decides exactly as before).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import numpy as np

from inftool_jax.synth.grounding import normalize

_PRIME = np.uint64((1 << 31) - 1)


def fingerprint_text(episode: dict[str, Any]) -> str:
    """Normalised user text plus canonical calls of an episode."""
    parts = []
    for msg in episode.get("messages", []):
        if msg.get("role") == "user":
            parts.append(normalize(str(msg.get("content") or "")))
        for tc in msg.get("tool_calls") or []:
            fn = tc.get("function") or {}
            args = fn.get("arguments")
            if not isinstance(args, str):
                args = json.dumps(args, sort_keys=True)
            parts.append(normalize(f"{fn.get('name', '')} {args}"))
    return " ".join(parts)


_MIX = np.uint64(0x9E3779B1)


def shingles(text: str, n: int = 3) -> np.ndarray:
    """Hashes of the word ``n``-grams of ``text`` (the words themselves when shorter).

    Words are CRC32-hashed once and combined per n-gram with a polynomial
    mix in numpy, so the cost is one hash per word, not per n-gram.
    """
    words = text.split() or [""]
    h = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    if len(h) < n:
        return np.unique(h)
    grams = h[: len(h) - n + 1].copy()
    for k in range(1, n):
        grams = grams * _MIX + h[k : len(h) - n + 1 + k]  # wraps mod 2^64: still a fixed, process-independent hash
    return np.unique(grams)


class MinHashLSH:
    """An index of kept fingerprints; :meth:`query` finds a near-duplicate, :meth:`add` keeps one."""

    def __init__(self, num_perm: int = 64, bands: int = 16, threshold: float = 0.9, seed: int = 1):
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, int(_PRIME), size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, int(_PRIME), size=num_perm, dtype=np.uint64)
        self.bands = bands
        self.rows = num_perm // bands
        self.threshold = threshold
        self.signatures: list[np.ndarray] = []
        self.keys: list[str] = []
        self.buckets: list[dict[bytes, list[int]]] = [dict() for _ in range(bands)]

    def signature(self, text: str) -> np.ndarray:
        """The MinHash signature of ``text``'s shingles."""
        x = shingles(text) % _PRIME
        # (a * x + b) mod p: a, x < 2^31 so the product fits in 64 bits
        hashed = (self.a[:, None] * x[None, :] + self.b[:, None]) % _PRIME
        return hashed.min(axis=1)

    def _band_keys(self, sig: np.ndarray) -> list[bytes]:
        return [sig[i * self.rows : (i + 1) * self.rows].tobytes() for i in range(self.bands)]

    def query(self, sig: np.ndarray) -> tuple[str, float] | None:
        """The most similar kept key at or above the threshold, with its estimated similarity."""
        seen: set[int] = set()
        best: tuple[str, float] | None = None
        for band, key in zip(self.buckets, self._band_keys(sig)):
            for idx in band.get(key, ()):
                if idx in seen:
                    continue
                seen.add(idx)
                sim = float(np.mean(self.signatures[idx] == sig))
                if sim >= self.threshold and (best is None or sim > best[1]):
                    best = (self.keys[idx], sim)
        return best

    def add(self, key: str, sig: np.ndarray) -> None:
        idx = len(self.signatures)
        self.signatures.append(sig)
        self.keys.append(key)
        for band, bkey in zip(self.buckets, self._band_keys(sig)):
            band.setdefault(bkey, []).append(idx)

"""One worker thread that runs the sampler, batching requests that arrive together.

Requests waiting when the worker gets free (plus those arriving within ``window_s``) are
grouped by their sampling settings and each group is one ``Sampler.generate`` call, up
to ``max_batch`` prompts. Batches are padded to a power of two (repeating a prompt)
so a few compiled programs serve every batch size. A request with a ``seed`` runs
alone with that seed as its key, so the same request gives the same answer; unseeded
requests get a fresh key per batch. All jax work happens on the worker thread.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inftool_jax.rollout.sampling_config import SamplingConfig
from inftool_jax.serve.chat_protocol import Completion


@dataclass
class _Job:
    prompt: np.ndarray
    sampling: SamplingConfig
    seed: int | None
    future: Future = field(default_factory=Future)

    def group_key(self) -> str:
        return self.sampling.model_dump_json() + (f"|seed={self.seed}|{id(self)}" if self.seed is not None else "")


def _padded_size(n: int, limit: int) -> int:
    return min(1 << (n - 1).bit_length(), max(limit, n))


class GenerationQueue:
    """``submit(prompt, sampling, seed)`` returns a Future of ``sampling.num_samples`` Completions."""

    def __init__(self, sampler: Any, max_batch: int = 8, window_s: float = 0.005, seed: int = 0):
        self.sampler = sampler
        self.max_batch = max(1, int(max_batch))
        self.window_s = window_s
        self.seed = seed
        self.batches: list[int] = []
        """Prompts per generate call, in order (for tests and logs)."""
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._calls = 0
        self._thread = threading.Thread(target=self._work, name="generation", daemon=True)
        self._thread.start()

    def submit(self, prompt: np.ndarray, sampling: SamplingConfig, seed: int | None = None) -> Future:
        job = _Job(np.asarray(prompt, np.int32), sampling, seed)
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=60)

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, closing = [first], False
        deadline = time.monotonic() + self.window_s
        while len(jobs) < self.max_batch:
            try:
                job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if job is None:
                closing = True
                break
            jobs.append(job)
        return jobs, closing

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, closing = self._gather(first)
            groups: dict[str, list[_Job]] = {}
            for job in jobs:
                groups.setdefault(job.group_key(), []).append(job)
            for group in groups.values():
                self._run(group)
            if closing:
                return

    def _run(self, group: list[_Job]) -> None:
        import jax

        sampling, seed = group[0].sampling, group[0].seed
        prompts = [j.prompt for j in group]
        prompts += [prompts[-1]] * (_padded_size(len(prompts), self.max_batch) - len(prompts))
        if seed is not None:
            key = jax.random.key(seed & 0xFFFFFFFF)
        else:
            key = jax.random.fold_in(jax.random.key(self.seed), self._calls)
        self._calls += 1
        try:
            out = self.sampler.generate(prompts, sampling, key)
        except Exception as err:  # the requests fail, the server stays up
            for job in group:
                job.future.set_exception(err)
            return
        self.batches.append(len(group))
        g = sampling.num_samples
        texts = out.texts or [""] * len(out.finish_reasons)
        for i, job in enumerate(group):
            rows = range(i * g, (i + 1) * g)
            job.future.set_result(
                [Completion(texts[r], int(out.lengths[r]), out.finish_reasons[r] == "length") for r in rows]
            )

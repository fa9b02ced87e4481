"""A synthesis run: plan, role-play, verify and write until N episodes are kept; resumable.

Blueprints are written strictly in index order and each one ends as exactly
one line (kept or rejected), so the processed indices on disk are always a
prefix 0..k-1. Resuming reads the lines back (cutting a torn tail), rebuilds
the near-duplicate index from the kept episodes in order, puts each writer at
the shard boundary it had reached (a full last shard means the next line opens
a new one), and continues at k: the result is byte for byte an uninterrupted
run's, for any kill point (``tests/synth/test_kill_points.py``).

Backends that wait on I/O (``openai``) say how many episodes are worth running
at once (a ``concurrency`` attribute: the client's request limit). Then a pool
of worker threads role-plays a window of blueprint indices ahead of the write
cursor, each worker with its own role backends (they keep per-episode state)
and stateless gates; the main thread takes the results back in index order and
applies the one order-dependent gate, near-duplicates, as it writes. What is
written is therefore the same for any number of workers. CPU-bound backends
(the programmatic ones) run on the main thread: threads would only add
interpreter-lock contention.
"""

from __future__ import annotations

import hashlib
import json
import queue
import signal
import threading
import time
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from inftool_jax.errors import InputError
from inftool_jax.synth import backends
from inftool_jax.synth.blueprint import episode_id
from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.dataset import EPISODES, REJECTED, ShardedJsonl, write_json_atomic
from inftool_jax.synth.planner import Planner
from inftool_jax.synth.roleplay import EpisodeFailed, EpisodeRunner
from inftool_jax.synth.run_stats import RunStats
from inftool_jax.synth.verify import Verifier
from inftool_jax.tools.spec import ToolSpec

RUN_FILE = "run.json"
MANIFEST = "manifest.json"
WINDOW_PER_WORKER = 4
"""Blueprints role-played ahead of the write cursor, per worker: room for a slow episode
(retries, backoff) to finish while the others go on."""


def catalog_fingerprint(tools: list[ToolSpec]) -> str:
    """A hash of the tools' names and schemas: a resume must see the same catalog."""
    blob = json.dumps([[t.name, t.description, t.parameters, t.response] for t in sorted(tools, key=lambda t: t.name)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _run_identity(config: SynthConfig, seed: int, tools: list[ToolSpec]) -> dict[str, Any]:
    settings = config.model_dump(mode="json")
    settings.pop("num_episodes")  # --num may grow on resume
    return {"seed": seed, "catalog": catalog_fingerprint(tools), "synth": settings}


def auto_workers(limit: int) -> int:
    """Worker threads for backends that allow ``limit`` requests at once: one per request.

    More workers than the limit measured worse (bench_backend_concurrency.py, limit 16, 50 ms):
    the extra threads' CPU work starves the client's event loop of the interpreter lock, so
    replies wait longer to be read and fewer requests are really at the server."""
    return max(1, limit)


@contextmanager
def _ctrl_c_after():
    """Hold Ctrl-C back until the block is done (main thread only: elsewhere it cannot arrive), so a
    record and its counts are written together and the manifest after an interrupt matches the files."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield  # (None: a handler not set from Python, which could not be put back)
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@dataclass
class _Slot:
    """What one worker role-plays with: its own role backends (per-episode state) and gates."""

    runner: EpisodeRunner
    verifier: Verifier


class Synthesis:
    """One run into ``out_dir``. ``source`` names the config file for errors.

    ``workers``: episodes role-played at once; ``None`` picks it from the backends
    (:func:`auto_workers` of the largest ``concurrency`` a role backend declares; 1 when
    none does). The output does not depend on it. Each worker gets its own role backends,
    made here.
    """

    def __init__(
        self,
        tools: list[ToolSpec],
        config: SynthConfig,
        seed: int,
        out_dir: str | Path,
        source: str = "<config>",
        workers: int | None = 1,
    ):
        self.tools = list(tools)
        self.by_name = {t.name: t for t in self.tools}
        self.config = config
        self.seed = seed
        self.out = Path(out_dir)
        self.source = source
        self.planner = Planner(self.tools, config, seed, source)
        self.ctx = backends.BackendContext(self.by_name, config, seed, source)
        self._closed: set[int] = set()  # ids of the backends closed already
        main = self._slot()
        self.runner = main.runner
        self.verifier = main.verifier  # its near-duplicate index is the run's (touched by the main thread only)
        self._slots = [main]
        try:
            if workers is None:
                workers = auto_workers(max(int(getattr(b, "concurrency", 1)) for b in self._backends(main)))
            if workers < 1:
                raise ValueError("workers must be >= 1")
            self.workers = workers
            # Every worker's backends are made now (a tool simulator takes a while to build), so the run
            # itself is all production and close() sees every backend.
            while len(self._slots) < workers:
                self._slots.append(self._slot())
        except BaseException:
            self.close()
            raise
        self.gates_on = [g for g in ("execution", "schema_valid", "grounded", "plan_match", "near_duplicate") if getattr(config.verification, g)]
        if self.verifier.judge is not None:
            self.gates_on.append("judge")
        self.stats = RunStats(config.categories.model_dump())
        self.kept = ShardedJsonl(self.out, EPISODES, config.shard_size, config.fsync_every)
        self.rejected = ShardedJsonl(self.out, REJECTED, config.shard_size, config.fsync_every)
        self.next_index = 0
        self.elapsed = 0.0

    def _slot(self) -> _Slot:
        """Role backends and gates for one worker; model clients and weights are shared through the context."""
        cfg, ctx = self.config, self.ctx
        runner = EpisodeRunner(
            self.by_name,
            cfg,
            backends.create("user", cfg.backends.user, ctx),
            backends.create("assistant", cfg.backends.assistant, ctx),
            backends.create("tools", cfg.backends.tools, ctx),
        )
        return _Slot(runner, Verifier(cfg, backends.create("judge", cfg.backends.judge, ctx)))

    @staticmethod
    def _backends(slot: _Slot) -> list[Any]:
        r = slot.runner
        return [b for b in (r.user, r.assistant, r.tool_backend, slot.verifier.judge) if b is not None]

    # ---- start / resume --------------------------------------------------

    def open(self, resume: bool) -> None:
        """Start a fresh run, or pick up the one in ``out_dir`` (``resume``)."""
        identity = _run_identity(self.config, self.seed, self.tools)
        run_file = self.out / RUN_FILE
        if run_file.exists() and not resume:
            raise InputError(str(self.out), "", "already holds a synthesis run; pass --resume to continue it or choose another --out")
        if resume and run_file.exists():
            stored = json.loads(run_file.read_text(encoding="utf-8"))
            for key in ("seed", "catalog", "synth"):
                if stored.get(key) != identity[key]:
                    raise InputError(str(run_file), key, "differs from this command's; resume with the same config, seed and specs")
            self._recover()
        else:
            if any(self.out.glob("*.jsonl")):
                raise InputError(str(self.out), "", "holds JSONL files but no run.json; choose an empty --out")
            self.out.mkdir(parents=True, exist_ok=True)
            write_json_atomic(run_file, identity)

    def _recover(self) -> None:
        kept = self.kept.recover()
        rejected = self.rejected.recover()
        indices = [e["meta"]["blueprint"]["index"] for e in kept] + [r["blueprint_index"] for r in rejected]
        if sorted(indices) != list(range(len(indices))):
            raise InputError(str(self.out), "", "episode files are not a prefix of one run (indices missing or repeated)")
        for episode in kept:  # in order, so the near-duplicate index is what the uninterrupted run had
            self.verifier.remember(episode)
            self.stats.add_kept(episode)
        for record in rejected:
            self.stats.add_rejected(record)
        self.next_index = len(indices)

    # ---- one blueprint -----------------------------------------------------

    def _role_play(self, index: int, slot: _Slot) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Plan, role-play and check the stateless gates (any thread, with its own ``slot``):
        (episode that passed them, None) or (None, rejection record)."""
        blueprint = self.planner.plan(index)
        try:
            episode = slot.runner.run(blueprint, self.config.iteration)
        except EpisodeFailed as err:
            return None, {
                "id": episode_id(self.seed, index),
                "blueprint_index": index,
                "category": blueprint.category,
                "reasons": [{"gate": err.gate, "detail": err.detail}],
                "episode": None,
            }
        reasons = slot.verifier.check(episode)
        if reasons:
            episode["meta"]["verification"] = {"gates": self.gates_on, "passed": False}
            return None, self._rejection(episode, reasons)
        return episode, None

    def _rejection(self, episode: dict[str, Any], reasons: list[dict[str, str]]) -> dict[str, Any]:
        meta = episode["meta"]
        return {"id": episode["id"], "blueprint_index": meta["blueprint"]["index"], "category": meta["category"], "reasons": reasons, "episode": episode}

    def _finish(self, episode: dict[str, Any] | None, rejection: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The near-duplicate gate, in index order (main thread): it compares with the episodes kept before."""
        if episode is None:
            return None, rejection
        # Fingerprint the episode as it will read back from disk: a resumed run rebuilds this index from the
        # shards, so both must see the same values (a tuple, a non-string key or a float that prints differently
        # would otherwise give a resumed run another index than the uninterrupted one).
        dup, sig = self.verifier.near_duplicate(json.loads(json.dumps(episode, ensure_ascii=False)))
        episode["meta"]["verification"] = {"gates": self.gates_on, "passed": dup is None}
        if dup is not None:
            return None, self._rejection(episode, [dup])
        self.verifier.remember(episode, sig)
        return episode, None

    def produce(self, index: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(kept episode, None) or (None, rejection record) for blueprint ``index``, on this thread.

        Call it in index order: the near-duplicate gate remembers what it kept."""
        return self._finish(*self._role_play(index, self._slots[0]))

    # ---- the loop --------------------------------------------------------

    def _write(self, episode: dict[str, Any] | None, rejection: dict[str, Any] | None, progress: Callable[[int], None] | None) -> None:
        with _ctrl_c_after():
            if episode is not None:
                self.kept.append(episode)
                self.stats.add_kept(episode)
            else:
                self.rejected.append(rejection)
                self.stats.add_rejected(rejection)
            self.next_index += 1
        if episode is not None and progress:
            progress(1)

    def _run_concurrent(self, num: int, budget: int, progress: Callable[[int], None] | None) -> None:
        """Role-play up to ``workers`` blueprints at once, a window ahead of the write cursor; write in order."""
        free: queue.SimpleQueue[_Slot] = queue.SimpleQueue()
        for slot in self._slots:
            free.put(slot)
        stopping = threading.Event()

        def job(index: int):
            if stopping.is_set():
                return None, None
            slot = free.get_nowait()  # as many slots as threads, and each thread holds one at most
            try:
                return self._role_play(index, slot)
            finally:
                free.put(slot)

        window = self.workers * WINDOW_PER_WORKER
        pending: dict[int, Future] = {}
        submitted = self.next_index
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="synth-worker")
        try:
            while self.kept.count < num and self.next_index < budget:
                while submitted < budget and submitted < self.next_index + window:
                    pending[submitted] = pool.submit(job, submitted)
                    submitted += 1
                self._write(*self._finish(*pending.pop(self.next_index).result()), progress)
        finally:
            # Episodes still under way are past what is needed (or the run is failing): stop them.
            stopping.set()
            for future in pending.values():
                future.cancel()
            self.close()  # a worker waiting on a request gets a failure at once instead of the reply
            pool.shutdown(wait=True, cancel_futures=True)

    def run(self, num: int, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Process blueprints until ``num`` episodes are kept (or the attempt budget is spent).

        Closes the backends at the end, also after an error or Ctrl-C; then the manifest
        describes what is on disk (``complete`` false when interrupted)."""
        start = time.perf_counter()
        budget = num * self.config.max_attempts_factor
        try:
            if self.workers > 1:
                self._run_concurrent(num, budget, progress)
            else:
                while self.kept.count < num and self.next_index < budget:
                    self._write(*self.produce(self.next_index), progress)
        except BaseException:
            self._shut(start)
            try:
                self.manifest(num)
            except Exception:  # the first error is the one to report
                pass
            raise
        self._shut(start)
        return self.manifest(num)

    def _shut(self, start: float) -> None:
        try:
            self.kept.close()
            self.rejected.close()
        finally:
            self.elapsed += time.perf_counter() - start
            self.close()

    def close(self) -> None:
        """Close every role backend (their clients, connections, event loops); closes each once."""
        for slot in list(self._slots):
            for backend in self._backends(slot):
                if id(backend) not in self._closed and hasattr(backend, "close"):
                    self._closed.add(id(backend))
                    backend.close()

    def backend_stats(self) -> dict[str, dict[str, Any]]:
        """Counters of the backends that keep them, by backend name (roles sharing one client, one entry):
        requests, retries, failures by kind, in-flight peak and mean, latency p50/p95."""
        main = self._slots[0]
        roles = (("user", main.runner.user), ("assistant", main.runner.assistant), ("tools", main.runner.tool_backend), ("judge", main.verifier.judge))
        out: dict[str, dict[str, Any]] = {}
        for role, backend in roles:
            if backend is None or not hasattr(backend, "stats"):
                continue
            name = str(getattr(backend, "name", role))
            if name in out:
                out[name]["roles"].append(role)
                continue
            counters = backend.stats()
            if counters:
                out[name] = {"roles": [role], **counters}
        return out

    def manifest(self, num: int) -> dict[str, Any]:
        """Write and return manifest.json: counts, per-gate rejections, diversity, backend counters, the config."""
        data = {
            "asked": num,
            "complete": self.kept.count >= num,
            "seed": self.seed,
            "catalog": catalog_fingerprint(self.tools),
            **self.stats.totals(),
            "diversity": self.stats.diversity(len(self.tools)),
            "unavailable_categories": self.planner.unavailable,
            "dropped_categories": self.planner.dropped_categories,
            "seconds_this_session": round(self.elapsed, 3),
            "workers_this_session": self.workers,
            "backends_this_session": self.backend_stats(),
            "files": {
                "episodes": sorted(p.name for p in self.out.glob(f"{EPISODES}-*.jsonl")),
                "rejected": sorted(p.name for p in self.out.glob(f"{REJECTED}-*.jsonl")),
            },
            "config": self.config.model_dump(mode="json"),
        }
        write_json_atomic(self.out / MANIFEST, data)
        return data

"""A synthesis run: plan, role-play, verify and write until N episodes are kept; resumable.

Blueprints are processed strictly in index order and each one ends as exactly
one line (kept or rejected), so the processed indices on disk are always a
prefix 0..k-1. Resuming reads the lines back (cutting a torn tail), rebuilds
the near-duplicate index from the kept episodes in order, and continues at k:
the result is identical to an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import time
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


def catalog_fingerprint(tools: list[ToolSpec]) -> str:
    """A hash of the tools' names and schemas: a resume must see the same catalog."""
    blob = json.dumps([[t.name, t.description, t.parameters, t.response] for t in sorted(tools, key=lambda t: t.name)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _run_identity(config: SynthConfig, seed: int, tools: list[ToolSpec]) -> dict[str, Any]:
    settings = config.model_dump(mode="json")
    settings.pop("num_episodes")  # --num may grow on resume
    return {"seed": seed, "catalog": catalog_fingerprint(tools), "synth": settings}


class Synthesis:
    """One run into ``out_dir``. ``source`` names the config file for errors."""

    def __init__(self, tools: list[ToolSpec], config: SynthConfig, seed: int, out_dir: str | Path, source: str = "<config>"):
        self.tools = list(tools)
        self.by_name = {t.name: t for t in self.tools}
        self.config = config
        self.seed = seed
        self.out = Path(out_dir)
        self.source = source
        self.planner = Planner(self.tools, config, seed, source)
        ctx = backends.BackendContext(self.by_name, config, seed, source)
        self.runner = EpisodeRunner(
            self.by_name,
            config,
            backends.create("user", config.backends.user, ctx),
            backends.create("assistant", config.backends.assistant, ctx),
            backends.create("tools", config.backends.tools, ctx),
        )
        self.verifier = Verifier(config, backends.create("judge", config.backends.judge, ctx))
        self.stats = RunStats(config.categories.model_dump())
        self.kept = ShardedJsonl(self.out, EPISODES, config.shard_size, config.fsync_every)
        self.rejected = ShardedJsonl(self.out, REJECTED, config.shard_size, config.fsync_every)
        self.next_index = 0
        self.elapsed = 0.0

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

    # ---- the loop --------------------------------------------------------

    def produce(self, index: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(kept episode, None) or (None, rejection record) for blueprint ``index``."""
        blueprint = self.planner.plan(index)
        try:
            episode = self.runner.run(blueprint, self.config.iteration)
        except EpisodeFailed as err:
            return None, {
                "id": episode_id(self.seed, index),
                "blueprint_index": index,
                "category": blueprint.category,
                "reasons": [{"gate": err.gate, "detail": err.detail}],
                "episode": None,
            }
        reasons = self.verifier.verify(episode)
        gates_on = [g for g in ("execution", "schema_valid", "grounded", "plan_match", "near_duplicate") if getattr(self.config.verification, g)]
        if self.verifier.judge is not None:
            gates_on.append("judge")
        episode["meta"]["verification"] = {"gates": gates_on, "passed": not reasons}
        if reasons:
            return None, {
                "id": episode["id"],
                "blueprint_index": index,
                "category": blueprint.category,
                "reasons": reasons,
                "episode": episode,
            }
        return episode, None

    def run(self, num: int, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Process blueprints until ``num`` episodes are kept (or the attempt budget is spent)."""
        start = time.perf_counter()
        budget = num * self.config.max_attempts_factor
        try:
            while self.kept.count < num and self.next_index < budget:
                episode, rejection = self.produce(self.next_index)
                if episode is not None:
                    self.kept.append(episode)
                    self.stats.add_kept(episode)
                    if progress:
                        progress(1)
                else:
                    self.rejected.append(rejection)
                    self.stats.add_rejected(rejection)
                self.next_index += 1
        finally:
            self.kept.close()
            self.rejected.close()
            self.elapsed += time.perf_counter() - start
        return self.manifest(num)

    def manifest(self, num: int) -> dict[str, Any]:
        """Write and return manifest.json: counts, per-gate rejections, diversity, the config."""
        data = {
            "asked": num,
            "complete": self.kept.count >= num,
            "seed": self.seed,
            "catalog": catalog_fingerprint(self.tools),
            **self.stats.totals(),
            "diversity": self.stats.diversity(len(self.tools)),
            "unavailable_categories": self.planner.unavailable,
            "seconds_this_session": round(self.elapsed, 3),
            "files": {
                "episodes": sorted(p.name for p in self.out.glob(f"{EPISODES}-*.jsonl")),
                "rejected": sorted(p.name for p in self.out.glob(f"{REJECTED}-*.jsonl")),
            },
            "config": self.config.model_dump(mode="json"),
        }
        write_json_atomic(self.out / MANIFEST, data)
        return data

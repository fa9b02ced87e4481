"""Synthesize a round's training data as its plan says: expansions of failed cases, fresh data, kept episodes.

Each part is an ordinary synthesis run (same agents and verification gates as `inftool synth`) in a folder of
its own; :func:`merge_data` then writes the round's training folder from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from inftool_jax.synth.config import CATEGORIES, SynthConfig
from inftool_jax.synth.dataset import read_episodes, shard_name
from inftool_jax.synth.planner import Focus
from inftool_jax.tools.spec import ToolSpec


def with_mix(synth: SynthConfig, weights: dict[str, float]) -> SynthConfig:
    """``synth`` with its category mix replaced by ``weights`` (categories not named get 0)."""
    mix = {c: float(weights.get(c, 0.0)) for c in CATEGORIES}
    return synth.model_copy(update={"categories": synth.categories.model_validate(mix)})


def synthesize(tools: Sequence[ToolSpec], synth: SynthConfig, seed: int, out: Path, num: int,
               focus: Sequence[Focus] = (), source: str = "<config>", progress: bool = False, desc: str = "synth") -> dict[str, Any]:
    """Run one synthesis of ``num`` kept episodes into ``out`` (blueprint ``i`` keeps ``focus[i % len]`` when given)."""
    import sys

    from tqdm import tqdm

    from inftool_jax.synth.pipeline import Synthesis

    run = Synthesis(list(tools), synth, seed, out, source)
    for category, why in run.planner.dropped_categories.items():
        print(f"inftool: warning: synth.categories.{category}: left out of the mix: {why}", file=sys.stderr)
    try:
        run.planner.focus = list(focus)
        run.open(False)
        bar = tqdm(total=num, unit="ep", desc=desc, disable=not progress, file=sys.stderr, leave=False)
        try:
            manifest = run.run(num, progress=bar.update)
        finally:
            bar.close()
    finally:
        run.close()
    return manifest


def focus_list(cases: Iterable[dict[str, Any]], per_case: int) -> list[Focus]:
    """Each failed case ``per_case`` times in a row: blueprint ``i`` is seeded by case ``i // per_case``."""
    return [Focus(c["category"], tuple(c["tools"])) for c in cases for _ in range(per_case)]


def merge_data(out: Path, parts: Sequence[tuple[str, Iterable[dict[str, Any]]]], leak_index: Any = None) -> dict[str, Any]:
    """Write the episodes of every ``(name, episodes)`` part into ``out/episodes-00000.jsonl``; counts per part.

    Each episode's ``meta.loop_part`` says which part it came from (failure expansion, fresh, uncertain kept).
    Episodes ``leak_index`` finds (a held-out episode, or a near-duplicate of one) are left out and listed under
    ``"leaks_dropped"``, so no training set ever holds one.
    """
    counts: dict[str, Any] = {"leaks_dropped": []}
    with open(out / shard_name("episodes", 0), "w", encoding="utf-8") as f:
        for name, episodes in parts:
            counts[name] = 0
            for episode in episodes:
                hit = leak_index.leak(episode) if leak_index is not None else None
                if hit is not None:
                    counts["leaks_dropped"].append(hit)
                    continue
                episode = {**episode, "meta": {**(episode.get("meta") or {}), "loop_part": name}}
                f.write(json.dumps(episode, ensure_ascii=False, allow_nan=False) + "\n")
                counts[name] += 1
    return counts


def episodes_by_id(folders: Iterable[Path], ids: Iterable[str]) -> list[dict[str, Any]]:
    """The episodes with these ids, read from ``folders``, in the order of ``ids``."""
    wanted = {str(i) for i in ids}
    found: dict[str, dict[str, Any]] = {}
    for folder in folders:
        for episode in read_episodes(folder):
            if str(episode["id"]) in wanted and str(episode["id"]) not in found:
                found[str(episode["id"])] = episode
    return [found[i] for i in (str(x) for x in ids) if i in found]

"""BFCL for a model, end to end: generate result files, then score them (``inftool eval bfcl --model``).

:func:`run_bfcl` is also the entry point for the closed loop (``loop.eval.bfcl_categories``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from inftool_jax.errors import InputError
from inftool_jax.evaluate import bfcl_runner
from inftool_jax.evaluate.bfcl_completers import Completer
from inftool_jax.evaluate.bfcl_data import check_category
from inftool_jax.evaluate.bfcl_generate import generate_category
from inftool_jax.evaluate.bfcl_prompts import MODES


def generate_all(completer: Completer, categories: Iterable[str], results_dir: str | Path, mode: str = "prompt",
                 limit: int | None = None, data_dir=None, progress: bool = False) -> dict[str, dict]:
    """Generate every category in turn; per-category timing and counts."""
    if limit is not None and limit < 1:
        raise InputError("<command line>", "--limit", "must be >= 1")
    if mode not in MODES:
        raise InputError("<command line>", "--mode", f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    out = {}
    for category in categories:
        run = generate_category(check_category(category), completer, results_dir, mode, limit, data_dir, progress)
        out[category] = run.to_json()
    return out


def score(results_dir: str | Path, categories: Iterable[str] | None, verdicts_path: str | Path, data_dir=None,
          progress: bool = False) -> tuple[dict[str, Any], str]:
    """Score the folder; (scores dict, printable table). Writes one verdict per entry to ``verdicts_path``."""
    verdicts, scores = bfcl_runner.run(results_dir, data_dir, list(categories) if categories else None, progress=progress)
    bfcl_runner.write_verdicts(verdicts, verdicts_path)
    groups = bfcl_runner.summary(scores)
    result = {
        "categories": {c: {"accuracy": s.accuracy, "correct": s.correct, "total": s.total} for c, s in scores.items()},
        "groups": {k: v for k, v in groups.items() if k != "overall"},
        "overall": groups.get("overall"),
        "missing_groups": bfcl_runner.missing_groups(scores),
    }
    return result, bfcl_runner.format_table(scores)


def run_bfcl(model_dir: str | Path, categories: Iterable[str], limit: int | None, out_dir: str | Path,
             mode: str = "prompt", progress: bool = False, *, max_new_tokens: int = 256, batch_size: int = 16,
             max_context: int | None = None, data_dir=None) -> dict[str, Any]:
    """Generate BFCL results for ``model_dir`` with the in-JAX sampler into ``out_dir`` and score them.

    Returns ``{"categories": {cat: {accuracy, correct, total}}, "groups": {group: accuracy},
    "overall": float | None, "missing_groups": {group: why}, "generation": {cat: {generated,
    already_done, model_queries, seconds, entries_per_s}}, "sampler": {queries, overflow, ...},
    "verdicts": path}``; also writes it to ``out_dir/bfcl_scores.json`` and the verdicts to
    ``out_dir/verdicts.jsonl``. Entries already in ``out_dir`` are not generated again.
    """
    from inftool_jax.evaluate.bfcl_completers import SamplerCompleter

    categories = [check_category(c) for c in categories]
    if not categories:
        raise InputError("<call>", "categories", "no BFCL categories given")
    completer = SamplerCompleter(model_dir, max_new_tokens, batch_size, max_context)
    out = Path(out_dir)
    generation = generate_all(completer, categories, out, mode, limit, data_dir, progress)
    result, _ = score(out, categories, out / "verdicts.jsonl", data_dir)
    result.update(generation=generation, sampler=dict(completer.stats), verdicts=str(out / "verdicts.jsonl"),
                  model=str(model_dir), mode=mode, limit=limit)
    (out / "bfcl_scores.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result

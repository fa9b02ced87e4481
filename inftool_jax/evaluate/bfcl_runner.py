"""Score BFCL result files: find them, check every entry, aggregate as BFCL does.

Result files are the layout BFCL writes: ``BFCL_v4_<category>_result.json``
anywhere under the results folder, one JSON object per line, ``{"id",
"result"}``, where ``result`` is model text in BFCL's Python call syntax, text
in our Hermes ``<tool_call>`` format, or an already decoded list.

Aggregation (BFCL v4's ``generate_leaderboard_csv``, restricted to the groups
present):

- non-live AST = unweighted mean of simple (mean of the simple languages
  present; we check Python only), multiple, parallel, parallel_multiple;
- live AST = mean of live_simple, live_multiple, live_parallel,
  live_parallel_multiple weighted by entry count;
- irrelevance = unweighted mean of irrelevance and live_irrelevance;
- multi-turn = unweighted mean of multi_turn_base, multi_turn_miss_func,
  multi_turn_miss_param, multi_turn_long_context (checked by execution, see
  :mod:`inftool_jax.evaluate.bfcl_multi_turn_check`);
- relevance = live_relevance (reported; BFCL leaves it out of the overall);
- overall = weights 10 (non-live) : 10 (live) : 10 (irrelevance) : 30
  (multi-turn) over the groups present, renormalised. BFCL's own overall also
  weights the agentic group (web search, memory: 40), which this project does
  not run, and counts a missing category as 0; we renormalise instead so the
  number means "the BFCL formula over what was evaluated", and
  :func:`missing_groups` names what was left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from inftool_jax.errors import InputError
from inftool_jax.grading.bfcl_checker import PreparedEntry, check_result, prepare
from inftool_jax.evaluate.bfcl_data import (
    ALL_CATEGORIES,
    LIVE_AST,
    MULTI_TURN,
    NON_LIVE_AST,
    VERSION_PREFIX,
    check_category,
    is_multi_turn,
    load_category,
    read_jsonl,
)

_RESULT_RE = re.compile(rf"^{VERSION_PREFIX}_(\w+?)_result\.json$")


def find_result_files(results_dir: str | Path) -> dict[str, list[Path]]:
    """Result files under ``results_dir`` (recursive), grouped by category."""
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(str(root), "", "results folder does not exist")
    found: dict[str, list[Path]] = {}
    for path in sorted(root.rglob(f"{VERSION_PREFIX}_*_result.json")):
        m = _RESULT_RE.match(path.name)
        if m:
            found.setdefault(m.group(1), []).append(path)
    return found


@dataclass(frozen=True)
class EntryVerdict:
    category: str
    id: str
    valid: bool
    error_type: str | None
    source: str

    def to_json(self) -> dict:
        return {"category": self.category, "id": self.id, "valid": self.valid, "error_type": self.error_type}


@dataclass(frozen=True)
class CategoryScore:
    category: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def check_file(path: Path, category: str, entries: dict, matching: str, cache: dict[str, PreparedEntry]) -> list[EntryVerdict]:
    """Verdicts for one result file. Unknown ids and malformed lines are InputErrors."""
    out = []
    for lineno, row in enumerate(read_jsonl(path), start=1):
        if "id" not in row or "result" not in row:
            raise InputError(str(path), f"line {lineno}", "expected an object with 'id' and 'result'")
        entry_id = row["id"]
        entry = entries.get(entry_id)
        if entry is None:
            raise InputError(str(path), f"line {lineno}", f"id {entry_id!r} is not in BFCL category {category!r}")
        if is_multi_turn(category):
            from inftool_jax.evaluate.bfcl_multi_turn_check import check_multi_turn

            mt = check_multi_turn(entry, row["result"])
            out.append(EntryVerdict(category, entry_id, mt.valid, mt.error_type, f"{path}:{lineno}"))
            continue
        prepared = cache.get(entry_id)
        if prepared is None:
            prepared = cache[entry_id] = prepare(entry.ground_truth, entry.functions, category, matching)
        verdict = check_result(prepared, row["result"])
        out.append(EntryVerdict(category, entry_id, verdict.valid, verdict.error_type, f"{path}:{lineno}"))
    return out


def _load(category: str, data_dir) -> dict:
    if is_multi_turn(category):
        from inftool_jax.evaluate.bfcl_multi_turn_data import load_multi_turn

        return load_multi_turn(category, data_dir)
    return load_category(category, data_dir)


def run(
    results_dir: str | Path,
    data_dir: str | Path | None = None,
    categories: Iterable[str] | None = None,
    matching: str = "greedy",
    progress: bool = False,
) -> tuple[list[EntryVerdict], dict[str, CategoryScore]]:
    """Check every result file found (optionally only ``categories``)."""
    found = find_result_files(results_dir)
    wanted = [check_category(c) for c in categories] if categories else None
    for category in found:
        if wanted is None or category in wanted:
            check_category(category, source=str(found[category][0]))
    selected = [c for c in ALL_CATEGORIES if c in found and (wanted is None or c in wanted)]
    if not selected:
        raise InputError(str(results_dir), "", f"no {VERSION_PREFIX}_<category>_result.json files for the requested categories")
    verdicts: list[EntryVerdict] = []
    scores: dict[str, CategoryScore] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(selected), desc="BFCL categories", unit="cat", leave=False)
    for category in selected:
        entries = _load(category, data_dir)
        cache: dict[str, PreparedEntry] = {}
        cat_verdicts = []
        for path in found[category]:
            cat_verdicts += check_file(path, category, entries, matching, cache)
        verdicts += cat_verdicts
        scores[category] = CategoryScore(category, sum(v.valid for v in cat_verdicts), len(cat_verdicts))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return verdicts, scores


def summary(scores: dict[str, CategoryScore]) -> dict[str, float]:
    """BFCL's group scores and overall over the groups present (see module docstring)."""
    out: dict[str, float] = {}
    non_live = [scores[c].accuracy for c in NON_LIVE_AST if c in scores]
    if non_live:
        out["non_live_ast"] = sum(non_live) / len(non_live)
    live = [scores[c] for c in LIVE_AST if c in scores]
    live_total = sum(s.total for s in live)
    if live and live_total:
        out["live_ast"] = sum(s.accuracy * s.total for s in live) / live_total
    irr = [scores[c].accuracy for c in ("irrelevance", "live_irrelevance") if c in scores]
    if irr:
        out["irrelevance"] = sum(irr) / len(irr)
    multi = [scores[c].accuracy for c in MULTI_TURN if c in scores]
    if multi:
        out["multi_turn"] = sum(multi) / len(multi)
    if "live_relevance" in scores:
        out["relevance"] = scores["live_relevance"].accuracy
    groups = [(out[k], w) for k, w in GROUP_WEIGHTS.items() if k in out]
    if groups:
        out["overall"] = sum(a * w for a, w in groups) / sum(w for _, w in groups)
    return out


# BFCL v4's overall weights per group (eval_runner_helper.generate_leaderboard_csv).
GROUP_WEIGHTS = {"non_live_ast": 10, "live_ast": 10, "irrelevance": 10, "multi_turn": 30, "agentic": 40}
_GROUP_CATEGORIES = {
    "non_live_ast": NON_LIVE_AST,
    "live_ast": LIVE_AST,
    "irrelevance": ("irrelevance", "live_irrelevance"),
    "multi_turn": MULTI_TURN,
}


def missing_groups(scores: dict[str, CategoryScore]) -> dict[str, str]:
    """BFCL overall groups not (fully) covered by ``scores``, each with what is missing."""
    out = {}
    for group, cats in _GROUP_CATEGORIES.items():
        absent = [c for c in cats if c not in scores]
        if len(absent) == len(cats):
            out[group] = "not run"
        elif absent:
            out[group] = "partly run, missing " + ", ".join(absent)
    out["agentic"] = "not run: web search and memory categories are not supported by this project"
    return out


def format_table(scores: dict[str, CategoryScore]) -> str:
    lines = [f"{'category':<24} {'accuracy':>9} {'correct':>8} {'count':>6}"]
    for c, s in scores.items():
        lines.append(f"{c:<24} {s.accuracy * 100:>8.2f}% {s.correct:>8} {s.total:>6}")
    groups = summary(scores)
    if groups:
        lines.append("-" * 50)
        for name, acc in groups.items():
            lines.append(f"{name:<24} {acc * 100:>8.2f}%")
    missing = missing_groups(scores)
    if missing:
        lines.append("missing from the overall (renormalised over the groups run):")
        for name, why in missing.items():
            lines.append(f"  {name} (weight {GROUP_WEIGHTS[name]}): {why}")
    return "\n".join(lines)


def write_verdicts(verdicts: list[EntryVerdict], out_path: str | Path) -> None:
    path = Path(out_path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for v in verdicts:
            f.write(json.dumps(v.to_json(), ensure_ascii=False) + "\n")

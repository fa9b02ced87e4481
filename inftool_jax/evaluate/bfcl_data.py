"""BFCL v4 data: where it lives, which categories we check, and loading them.

The default data folder is the one shipped inside the installed ``bfcl_eval``
package (``pip install --no-deps bfcl-eval``). It is found with
``importlib.util.find_spec`` so none of bfcl_eval's heavy modules are
imported. The files are JSON Lines despite their ``.json`` names:
``BFCL_v4_<category>.json`` holds questions and function docs,
``possible_answer/BFCL_v4_<category>.json`` the acceptable answers.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from inftool_jax.errors import InputError

VERSION_PREFIX = "BFCL_v4"

# Python AST categories (checked call by call) and relevance categories (call / no call).
NON_LIVE_AST = ("simple_python", "multiple", "parallel", "parallel_multiple")
LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
RELEVANCE = ("irrelevance", "live_irrelevance", "live_relevance")
# Single-turn categories: one answer per entry, checked by the AST checker.
SINGLE_TURN = NON_LIVE_AST + ("irrelevance",) + LIVE_AST + ("live_irrelevance", "live_relevance")
CATEGORIES = SINGLE_TURN  # what load_category reads (kept under its old name for callers)
# Multi-turn categories: checked by executing calls against BFCL's backend classes.
MULTI_TURN = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
ALL_CATEGORIES = SINGLE_TURN + MULTI_TURN
# BFCL's agentic group (web search, memory), which this project does not run.
AGENTIC = ("web_search_base", "web_search_no_snippet", "memory_kv", "memory_vector", "memory_rec_sum")

# BFCL categories this checker does not implement, with the reason given to users.
UNSUPPORTED = {
    "simple_java": "Java answers need BFCL's tree-sitter type converters; not supported",
    "simple_javascript": "JavaScript answers need BFCL's tree-sitter type converters; not supported",
    "web_search_base": "agentic categories are not supported",
    "web_search_no_snippet": "agentic categories are not supported",
    "memory_kv": "agentic categories are not supported",
    "memory_vector": "agentic categories are not supported",
    "memory_rec_sum": "agentic categories are not supported",
    "format_sensitivity": "format sensitivity is not supported",
}


def has_ground_truth(category: str) -> bool:
    return category not in RELEVANCE


def is_multi_turn(category: str) -> bool:
    return category in MULTI_TURN


def default_data_dir() -> Path | None:
    """The data folder of the installed bfcl_eval package, or None when it is not installed."""
    try:
        spec = importlib.util.find_spec("bfcl_eval")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        data = Path(root) / "data"
        if data.is_dir():
            return data
    return None


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """The data folder to use; InputError when it cannot be found."""
    if data_dir is None:
        found = default_data_dir()
        if found is None:
            raise InputError(
                "--bfcl-dir", "", "no BFCL data: install it with `pip install --no-deps bfcl-eval` or pass --bfcl-dir"
            )
        return found
    path = Path(data_dir)
    if not path.is_dir():
        raise InputError(str(path), "", "BFCL data folder does not exist")
    return path


def check_category(category: str, source: str = "--categories") -> str:
    """Return ``category`` if we can check it, else raise InputError saying why not."""
    if category in ALL_CATEGORIES:
        return category
    if category in UNSUPPORTED:
        raise InputError(source, category, UNSUPPORTED[category])
    raise InputError(source, category, f"unknown BFCL category (known: {', '.join(ALL_CATEGORIES)})")


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSON Lines file; a bad line is an InputError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(str(path), "", f"cannot read: {err.strerror or err}") from None
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(str(path), f"line {lineno}", f"not JSON: {err.msg}") from None
        if not isinstance(item, dict):
            raise InputError(str(path), f"line {lineno}", "expected a JSON object")
        out.append(item)
    return out


@dataclass(frozen=True)
class BfclEntry:
    """One test entry: its id, function docs, (for AST categories) possible answer and question turns."""

    id: str
    functions: list
    ground_truth: list | None
    question: list | None = None


def load_category(category: str, data_dir: str | Path | None = None) -> dict[str, BfclEntry]:
    """Entries of one single-turn category keyed by id. Questions and answers are paired by
    position, as BFCL does (some answer ids differ in format). Multi-turn categories load
    through :func:`inftool_jax.evaluate.bfcl_multi_turn_data.load_multi_turn`."""
    check_category(category)
    if is_multi_turn(category):
        raise InputError("--categories", category, "multi-turn entries load with bfcl_multi_turn_data.load_multi_turn")
    root = resolve_data_dir(data_dir)
    qpath = root / f"{VERSION_PREFIX}_{category}.json"
    if not qpath.is_file():
        raise InputError(str(qpath), "", f"BFCL data for category {category!r} not found")
    questions = read_jsonl(qpath)
    answers = None
    if has_ground_truth(category):
        apath = root / "possible_answer" / f"{VERSION_PREFIX}_{category}.json"
        if not apath.is_file():
            raise InputError(str(apath), "", f"possible answers for category {category!r} not found")
        answers = read_jsonl(apath)
        if len(answers) != len(questions):
            raise InputError(str(apath), "", f"{len(answers)} answers for {len(questions)} questions in {qpath.name}")
    entries = {}
    for i, q in enumerate(questions):
        if "id" not in q or "function" not in q:
            raise InputError(str(qpath), f"line {i + 1}", "entry lacks 'id' or 'function'")
        gt = None
        if answers is not None:
            gt = answers[i].get("ground_truth")
            if not isinstance(gt, list):
                raise InputError(str(root / "possible_answer" / qpath.name), f"line {i + 1}", "'ground_truth' is not a list")
        entries[q["id"]] = BfclEntry(q["id"], q["function"], gt, q.get("question"))
    return entries

"""BFCL's multi-turn entries, assembled as BFCL's generation pipeline assembles them.

A multi-turn entry (``BFCL_v4_multi_turn_<kind>.json``) names the backend
classes it uses (``involved_classes``) and their starting state
(``initial_config``); its function docs are the classes' doc files under
``multi_turn_func_doc/``, concatenated in class order. As in BFCL's
``populate_test_cases_with_predefined_functions``, a ``miss_func`` entry's
held-back functions are removed from that list and kept per turn (the turn at
which they are offered). Then, as in ``add_language_specific_hint_to_function_doc``,
every remaining doc's description gets the Python hint; the held-back docs,
already moved out, do not (a BFCL quirk kept for identical prompts).

The possible-answer file holds, per turn, the ground-truth calls as Python
call strings (positional arguments included, e.g. ``sort('final_report.pdf')``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from inftool_jax.errors import InputError
from inftool_jax.evaluate.bfcl_data import MULTI_TURN, VERSION_PREFIX, read_jsonl, resolve_data_dir
from inftool_jax.evaluate.bfcl_prompts import PYTHON_HINT

# BFCL's backend class -> its function-doc file (bfcl_eval/constants/executable_backend_config.py).
FUNC_DOC_FILES = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
}


@dataclass(frozen=True)
class MultiTurnEntry:
    """One multi-turn test entry, ready for generation and checking."""

    id: str
    category: str
    question: list  # per turn: a list of chat messages (empty on a miss_func turn)
    functions: list  # docs offered from the start
    involved_classes: list
    initial_config: dict
    ground_truth: list  # per turn: a list of Python call strings
    missed_functions: dict = field(default_factory=dict)  # turn index -> docs offered at that turn

    @property
    def long_context(self) -> bool:
        # BFCL derives this from the id: "long_context" in id.rsplit("_", 1)[0]
        return "long_context" in self.id.rsplit("_", 1)[0]


def _func_docs(root: Path, cls: str, cache: dict) -> list:
    if cls not in cache:
        name = FUNC_DOC_FILES.get(cls)
        if name is None:
            raise InputError("involved_classes", cls, f"unknown BFCL backend class (known: {', '.join(FUNC_DOC_FILES)})")
        path = root / "multi_turn_func_doc" / name
        if not path.is_file():
            raise InputError(str(path), "", f"function docs for {cls} not found")
        cache[cls] = read_jsonl(path)
    return copy.deepcopy(cache[cls])


def _entry(root: Path, category: str, q: dict, answer: dict, where: str, cache: dict) -> MultiTurnEntry:
    for key in ("id", "question", "involved_classes"):
        if key not in q:
            raise InputError(where, f"/{key}", "missing in a multi-turn entry")
    functions = []
    for cls in q["involved_classes"]:
        functions.extend(_func_docs(root, cls, cache))
    missed: dict[int, list] = {}
    for turn, names in (q.get("missed_function") or {}).items():
        missed[int(turn)] = []
        for name in names:
            for i, doc in enumerate(functions):
                if doc["name"] == name:
                    missed[int(turn)].append(functions.pop(i))
                    break
    for doc in functions:
        doc["description"] = doc.get("description", "") + PYTHON_HINT
    gt = answer.get("ground_truth")
    if not isinstance(gt, list) or not all(isinstance(t, list) for t in gt):
        raise InputError(where, "/ground_truth", "expected a list of turns, each a list of call strings")
    if len(gt) != len(q["question"]):
        raise InputError(where, "/ground_truth", f"{len(gt)} ground-truth turns for {len(q['question'])} question turns")
    return MultiTurnEntry(
        id=q["id"], category=category, question=q["question"], functions=functions,
        involved_classes=list(q["involved_classes"]), initial_config=q.get("initial_config") or {},
        ground_truth=gt, missed_functions=missed,
    )


def load_multi_turn(category: str, data_dir: str | Path | None = None) -> dict[str, MultiTurnEntry]:
    """Entries of one multi-turn category keyed by id (questions and answers paired by position, as BFCL does)."""
    if category not in MULTI_TURN:
        raise InputError("--categories", category, f"not a multi-turn category (known: {', '.join(MULTI_TURN)})")
    root = resolve_data_dir(data_dir)
    qpath = root / f"{VERSION_PREFIX}_{category}.json"
    apath = root / "possible_answer" / f"{VERSION_PREFIX}_{category}.json"
    for path in (qpath, apath):
        if not path.is_file():
            raise InputError(str(path), "", f"BFCL data for category {category!r} not found")
    questions, answers = read_jsonl(qpath), read_jsonl(apath)
    if len(questions) != len(answers):
        raise InputError(str(apath), "", f"{len(answers)} answers for {len(questions)} questions in {qpath.name}")
    cache: dict = {}
    out = {}
    for i, (q, a) in enumerate(zip(questions, answers)):
        entry = _entry(root, category, q, a, f"{qpath}: line {i + 1}", cache)
        out[entry.id] = entry
    return out

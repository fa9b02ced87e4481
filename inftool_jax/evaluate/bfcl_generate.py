"""Generate BFCL result files with a model: single-turn answers and BFCL's multi-turn protocol.

Writes ``DIR/BFCL_v4_<category>_result.json`` (JSON Lines ``{"id", "result"}``), the layout
``bfcl evaluate`` reads (put DIR under ``<result-dir>/<model name>/``). Single-turn results are
one model text; multi-turn results are a list per turn of a list per step of model text. Texts
are in BFCL's Python-call syntax (see :func:`~inftool_jax.evaluate.bfcl_prompts.result_text`).

Multi-turn protocol (BFCL's ``inference_multi_turn_prompting`` / ``_FC``): per turn, the user's
messages (on a ``miss_func`` turn, the held-back functions instead), then steps: query the
model, decode its text; a step that does not decode or has no call ends the turn; otherwise the
calls run on the entry's backend instances (:mod:`~inftool_jax.evaluate.bfcl_multi_turn_exec`)
and the results join the history. After more than ``MAX_STEPS`` (20) executed steps in a turn the
entry is force-quit: its remaining turns are not generated, which the checker reports as
``multi_turn:force_terminated``. All unfinished entries of a category advance one step per
round, so each round is one batch for the model.

Resumable: ids already in a result file are not generated again; finished entries are appended
(one line each, flushed) as they finish.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from inftool_jax.calls.call import Call
from inftool_jax.evaluate.bfcl_completers import Completer
from inftool_jax.evaluate.bfcl_data import VERSION_PREFIX, is_multi_turn, load_category, read_jsonl
from inftool_jax.evaluate.bfcl_multi_turn_data import MultiTurnEntry, load_multi_turn
from inftool_jax.evaluate.bfcl_multi_turn_exec import BackendWorld, Undecodable, prepare_calls
from inftool_jax.evaluate.bfcl_prompts import MODES, assistant_messages, first_request, held_back_message, openai_tools, single_turn_request
from inftool_jax.errors import InputError
from inftool_jax.grading.bfcl_decode import OK, decode_result

MAX_STEPS = 20  # BFCL's MAXIMUM_STEP_LIMIT


def result_path(results_dir: str | Path, category: str) -> Path:
    return Path(results_dir) / f"{VERSION_PREFIX}_{category}_result.json"


def done_ids(path: Path) -> set[str]:
    """Ids already written to a result file (empty when there is none)."""
    if not path.is_file():
        return set()
    return {row["id"] for row in read_jsonl(path) if "id" in row}


def _decoded_calls(text: str) -> list[Call] | None:
    """The calls a step executes, or None when it ends the turn (same rule as the checker's decode_step)."""
    decoded = decode_result(text)
    if decoded.status != OK or not decoded.calls:
        return None
    return decoded.calls


class Conversation:
    """One multi-turn entry in progress: its history, backend world and result so far."""

    def __init__(self, entry: MultiTurnEntry, mode: str):
        self.entry = entry
        self.mode = mode
        self.world = BackendWorld(entry.involved_classes, entry.initial_config, entry.long_context, entry.id)
        self.functions = list(entry.functions)
        self.tools, self.messages = None, []
        self.result: list[list[str]] = []
        self.turn = -1
        self.steps = 0
        self.done = False
        self._next_turn()

    def _next_turn(self) -> None:
        self.turn += 1
        if self.turn >= len(self.entry.question):
            self.done = True
            return
        turn_messages = list(self.entry.question[self.turn])
        held = self.entry.missed_functions.get(self.turn)
        if held is not None:
            turn_messages = [held_back_message(self.mode, held)]
            if self.mode == "fc":
                self.functions = self.functions + list(held)
                self.tools = openai_tools(self.functions)
        if self.turn == 0:
            self.tools, self.messages = first_request(self.mode, turn_messages, self.functions)
        else:
            self.messages = self.messages + turn_messages
        self.result.append([])
        self.steps = 0

    def request(self) -> tuple:
        return self.tools, self.messages

    def feed(self, text: str) -> None:
        """Take the model's text for the current step and advance."""
        self.result[-1].append(text)
        calls = _decoded_calls(text)
        try:
            prepared = prepare_calls(calls) if calls else None
        except Undecodable:
            prepared = None
        if prepared is None:
            self.messages = self.messages + assistant_messages(self.mode, text, None, [])
            self._next_turn()
            return
        results = self.world.execute(prepared)
        self.messages = self.messages + assistant_messages(self.mode, text, calls, results)
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.done = True  # force quit: the remaining turns stay ungenerated, as in BFCL


@dataclass
class CategoryRun:
    category: str
    generated: int = 0
    skipped: int = 0
    queries: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        rate = self.generated / self.seconds if self.seconds else 0.0
        return {"category": self.category, "generated": self.generated, "already_done": self.skipped,
                "model_queries": self.queries, "seconds": round(self.seconds, 3), "entries_per_s": round(rate, 4)}


def _append(handle, entry_id: str, result) -> None:
    handle.write(json.dumps({"id": entry_id, "result": result}, ensure_ascii=False) + "\n")
    handle.flush()


def _bar(total: int, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="entry", disable=not progress, leave=False)


def generate_category(category: str, completer: Completer, results_dir: str | Path, mode: str = "prompt",
                      limit: int | None = None, data_dir=None, progress: bool = False, chunk: int = 64) -> CategoryRun:
    """Generate the missing entries of one category (the first ``limit`` entries when given)."""
    if mode not in MODES:
        raise InputError("--mode", mode, f"unknown mode (known: {', '.join(MODES)})")
    entries = load_multi_turn(category, data_dir) if is_multi_turn(category) else load_category(category, data_dir)
    chosen = list(entries.values())[: limit if limit is not None else None]
    path = result_path(results_dir, category)
    path.parent.mkdir(parents=True, exist_ok=True)
    already = done_ids(path)
    todo = [e for e in chosen if e.id not in already]
    run = CategoryRun(category, skipped=len(chosen) - len(todo))
    start = time.perf_counter()
    with path.open("a", encoding="utf-8") as handle, _bar(len(todo), category, progress) as bar:
        if is_multi_turn(category):
            run.queries = _multi_turn(todo, completer, mode, handle, bar, chunk)
        else:
            for i in range(0, len(todo), chunk):
                part = todo[i : i + chunk]
                texts = completer.complete([single_turn_request(mode, e.question, e.functions) for e in part])
                for e, text in zip(part, texts):
                    _append(handle, e.id, text)
                run.queries += len(part)
                bar.update(len(part))
    run.generated = len(todo)
    run.seconds = time.perf_counter() - start
    return run


def _multi_turn(todo: list[MultiTurnEntry], completer: Completer, mode: str, handle, bar, chunk: int) -> int:
    queries = 0
    waiting = list(todo)
    active: list[Conversation] = []
    while waiting or active:
        while waiting and len(active) < chunk:  # bounded: each conversation holds its backend state
            conv = Conversation(waiting.pop(0), mode)
            if conv.done:
                _append(handle, conv.entry.id, conv.result)
                bar.update(1)
            else:
                active.append(conv)
        if not active:
            continue
        texts = completer.complete([c.request() for c in active])
        queries += len(active)
        still = []
        for conv, text in zip(active, texts):
            conv.feed(text)
            if conv.done:
                _append(handle, conv.entry.id, conv.result)
                bar.update(1)
            else:
                still.append(conv)
        active = still
    return queries

"""Check a multi-turn result as BFCL's multi-turn checker does (same verdicts, same error types).

A result is a list per turn of a list per step of model text. Following
``eval_runner._evaluate_single_multi_turn_entry`` and ``multi_turn_checker``:

1. not a list -> ``multi_turn:inference_error``; a turn count other than the
   ground truth's -> ``multi_turn:force_terminated``;
2. each step is decoded (BFCL's Python-call syntax; our Hermes ``<tool_call>``
   text too); a step that does not decode, or decodes to no call, is skipped;
3. per turn, the model's steps run on the model's backend instances and the
   ground-truth calls on a second set; then
   - ground truth calls but the model's turn has no step ->
     ``multi_turn:empty_turn_model_response``;
   - ground truth empty (a miss_func/miss_param turn) -> nothing checked;
   - some public attribute of some instance differs ->
     ``multi_turn:instance_state_mismatch``;
   - some ground-truth execution result of this turn is missing from the
     model's results of all turns so far (a multiset, order-free) ->
     ``multi_turn:execution_response_mismatch``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from inftool_jax.evaluate.bfcl_multi_turn_data import MultiTurnEntry
from inftool_jax.evaluate.bfcl_multi_turn_exec import BackendWorld, ExecCall, Undecodable, parse_ground_truth_call, prepare_calls
from inftool_jax.grading.bfcl_decode import OK, decode_result

INFERENCE_ERROR = "multi_turn:inference_error"
FORCE_TERMINATED = "multi_turn:force_terminated"
EMPTY_TURN = "multi_turn:empty_turn_model_response"
STATE_MISMATCH = "multi_turn:instance_state_mismatch"
RESPONSE_MISMATCH = "multi_turn:execution_response_mismatch"


@dataclass(frozen=True)
class MultiTurnVerdict:
    valid: bool
    error_type: str | None = None
    error_message: str | None = None


def decode_step(text) -> list[ExecCall] | None:
    """The calls of one step, or None when BFCL would skip the step (undecodable or no call)."""
    if not isinstance(text, str):
        return None
    decoded = decode_result(text)
    if decoded.status != OK or not decoded.calls:
        return None
    try:
        return prepare_calls(decoded.calls)
    except Undecodable:
        return None


def ground_truth_calls(entry: MultiTurnEntry) -> list[list[ExecCall]]:
    return [[parse_ground_truth_call(s, entry.id) for s in turn] for turn in entry.ground_truth]


def _missing(expected: list[str], got: list[str]) -> list[str]:
    pool = Counter(got)
    out = []
    for item in expected:
        if pool[item] > 0:
            pool[item] -= 1
        else:
            out.append(item)
    return out


def check_multi_turn(entry: MultiTurnEntry, result) -> MultiTurnVerdict:
    """BFCL's verdict on one multi-turn result (see the module docstring)."""
    if type(result) is not list:
        return MultiTurnVerdict(False, INFERENCE_ERROR, "the result is not a list of turns")
    if len(result) != len(entry.ground_truth):
        return MultiTurnVerdict(
            False, FORCE_TERMINATED, f"{len(result)} result turns for {len(entry.ground_truth)} ground-truth turns"
        )
    decoded_turns = []
    for turn in result:
        steps = turn if isinstance(turn, list) else []
        decoded_turns.append([calls for calls in (decode_step(s) for s in steps) if calls is not None])
    model_world: BackendWorld | None = None
    truth_world = BackendWorld(entry.involved_classes, entry.initial_config, entry.long_context, entry.id)
    model_results_so_far: list[str] = []
    for index, (steps, truth) in enumerate(zip(decoded_turns, ground_truth_calls(entry))):
        for calls in steps:
            if model_world is None:  # BFCL builds the model's instances at its first executed step
                model_world = BackendWorld(entry.involved_classes, entry.initial_config, entry.long_context, entry.id)
            model_results_so_far.extend(model_world.execute(calls))
        truth_results = truth_world.execute(truth)
        if not truth:
            continue
        if not steps:
            return MultiTurnVerdict(False, EMPTY_TURN, f"Model response list is empty for turn {index}")
        differences = model_world.differences(truth_world)
        if differences:
            cls = next(iter(differences))
            return MultiTurnVerdict(False, STATE_MISMATCH, f"Model instance for {cls} does not match the state with ground truth instance.")
        missing = _missing(truth_results, model_results_so_far)
        if missing:
            return MultiTurnVerdict(
                False, RESPONSE_MISMATCH,
                f"Model response execution results so far does not contain all the ground truth response execution results for turn {index}.",
            )
    return MultiTurnVerdict(True)

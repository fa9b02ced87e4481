"""Parsed calls and ground truth as fixed-size integer arrays for the reward kernel.

Names and execution outputs become small integer ids, interned per batch (a
perfect hash: equal ids iff equal canonical forms, so no collision can make
the kernel differ from the reference). Argument values become, per argument,
a bitmask of the expected calls that accept that canonical value at that
parameter (looked up in a per-target dict), so the kernel does no value search. Values are canonicalised here with the argument check's rules so
that the kernel only compares ids:

- strings (``string`` / ``any``): BFCL-standardised text;
- arrays / tuples: the list with its top-level strings standardised; the
  acceptable ``""`` reads as the empty list, as BFCL reads it;
- numbers and booleans: the Python value itself, so ids are equal exactly
  when Python's ``==`` is (``1 == 1.0 == True``), as BFCL's ``in`` compares;
  an int given for a float is converted first.

Type checks that do not depend on the expected call are done here too
(``strict``: the value has the schema's type, items included; ``loose``: only
the outer type is right, which passes when the expected call also accepts
``""`` - BFCL then skips the item check).

Parameters are laid out by *slot*: each ground truth numbers the distinct
parameter names of its expected calls (at most ``max_params``), and every
made call puts each argument in the slot of its name, so the kernel compares
slot with slot instead of searching keys. An argument whose name is in no
expected call is unexpected for every expected call: it clears the call's
``call_ok`` flag.

Whatever cannot be encoded exactly raises :class:`Unencodable` and that
completion is scored by the reference instead: more calls / parameters /
distinct parameters than the limits, ``dict`` parameters and lists of dicts, BFCL's
"variable" case (acceptable values of another type than the schema's), NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from inftool_jax.evaluate.bfcl_checker import standardize_string as standardize
from inftool_jax.rl.reward_config import RewardConfig
from inftool_jax.rl.reward_target import PY_TYPES, Attempt, RewardTarget

DECISION_CODES = {"call": 0, "no_call": 1, "clarify": 2}
MISSING = -1  # model side: absent / never seen in the ground truth
PAD = -2  # ground-truth side padding; never equal to a model id


def answer_type(options: list[Any]) -> type | None:
    """BFCL: the type of the first acceptable value that is not the "omitted" marker ``""``."""
    for option in options:
        if option != "":
            return type(option)
    return None


class Unencodable(Exception):
    """This completion or target is outside what the kernel represents exactly."""


def eq_key(value: Any) -> Any:
    """A hashable key equal for two values exactly when Python's ``==`` says they are equal."""
    t = type(value)
    if t is str or t is bool or t is int or value is None:
        return value
    if t is float:
        if math.isnan(value):
            raise Unencodable("NaN never equals itself")
        return value
    if t is list:
        return ("l", *map(eq_key, value))
    if t is tuple:
        return ("t", *map(eq_key, value))
    if t is dict:
        return ("d", frozenset((k, eq_key(v)) for k, v in value.items()))
    raise Unencodable(f"value of type {t.__name__}")


def _std_items(items: Any) -> Any:
    return ("l", *(standardize(x) if type(x) is str else eq_key(x) for x in items))


class Interner:
    """Per-batch ids: the ground truth is interned first; model values only look ids up."""

    def __init__(self) -> None:
        self.names: dict[Any, int] = {}
        self.keys: dict[Any, int] = {}
        self.outputs: dict[Any, int] = {}

    @staticmethod
    def add(table: dict[Any, int], item: Any) -> int:
        return table.setdefault(item, len(table))


@dataclass
class TargetArrays:
    """Ground truth side, ``[U, ...]`` (one row per distinct target; S = max_params slots)."""

    decision: np.ndarray  # [U] int32, DECISION_CODES
    n: np.ndarray  # [U] int32 expected calls
    name: np.ndarray  # [U, C]
    present: np.ndarray  # [U, C, S] bool: the expected call has this parameter
    optional: np.ndarray  # [U, C, S] bool: "" among the acceptable values
    lenient: np.ndarray  # [U, C, S] bool: a non-list acceptable value (array item types unchecked)
    result: np.ndarray  # [U, C]
    score_exec: np.ndarray  # [U] bool
    state_scored: np.ndarray  # [U] bool
    state: np.ndarray  # [U]


@dataclass
class AttemptArrays:
    """Model side, ``[N, ...]``."""

    target: np.ndarray  # [N] row of TargetArrays
    format_ok: np.ndarray  # [N] bool
    asks: np.ndarray  # [N] bool: the prose contains a question mark
    n: np.ndarray  # [N] calls made
    name: np.ndarray  # [N, C]
    call_ok: np.ndarray  # [N, C] bool: required parameters present and no parameter unknown to the ground truth
    present: np.ndarray  # [N, C, S] bool
    accept: np.ndarray  # [N, C, S] int32 bitmask: bit j set when expected call j accepts this value at this slot
    strict: np.ndarray  # [N, C, S] bool
    loose: np.ndarray  # [N, C, S] bool
    result: np.ndarray  # [N, C]
    state: np.ndarray  # [N]


def arrays_dict(arrays: TargetArrays | AttemptArrays) -> dict[str, np.ndarray]:
    """The fields as a dict of arrays, without copying (``dataclasses.asdict`` deep-copies)."""
    return dict(vars(arrays))


def _empty_targets(u: int, c: int, s: int) -> TargetArrays:
    i32 = np.int32
    return TargetArrays(
        np.zeros(u, i32), np.zeros(u, i32), np.full((u, c), PAD, i32), np.zeros((u, c, s), bool),
        np.zeros((u, c, s), bool), np.zeros((u, c, s), bool), np.full((u, c), PAD, i32), np.zeros(u, bool), np.zeros(u, bool), np.full(u, PAD, i32),
    )


def _empty_attempts(n: int, c: int, s: int) -> AttemptArrays:
    i32 = np.int32
    return AttemptArrays(
        np.zeros(n, i32), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, i32), np.full((n, c), MISSING, i32),
        np.zeros((n, c), bool), np.zeros((n, c, s), bool), np.zeros((n, c, s), i32),
        np.zeros((n, c, s), bool), np.zeros((n, c, s), bool), np.full((n, c), MISSING, i32), np.full(n, MISSING, i32),
    )


def _option_keys(options: list[Any], type_name: str | None, item_type_name: str | None) -> tuple[list[Any], bool]:
    """Canonical keys of the acceptable values, and whether array item types go unchecked."""
    if type_name is None:
        raise Unencodable("parameter without a usable type (compared by value only)")
    expected = PY_TYPES[type_name]
    if expected is dict:
        raise Unencodable("dict parameter")
    atype = answer_type(options)
    # int options for a float parameter make BFCL's "variable" case, but ints are turned into floats
    # before the type check, so it judges exactly like the plain case: encodable
    if atype not in (None, expected) and not (expected is float and atype is int):
        raise Unencodable("BFCL variable: acceptable values of another type than the schema's")
    if expected is list:
        if item_type_name is None or PY_TYPES[item_type_name] is dict:
            raise Unencodable("array without item type, or a list of dicts")
        item = PY_TYPES[item_type_name]
        if any(type(o) not in (list, str) for o in options):
            raise Unencodable("array option that is neither a list nor a string (the checker rejects it)")
        lists = [o for o in options if type(o) is list]
        if any(answer_type(o) not in (None, item) for o in lists):
            raise Unencodable("BFCL variable inside an array")
        # a string option reads as the list of its characters, "" as the empty list (BFCL)
        return [_std_items(o) for o in options], len(lists) < len(options)
    if expected is str:
        return [standardize(o) for o in options if type(o) is str], False
    return [eq_key(o) for o in options], False


def encode_target(row: int, target: RewardTarget, out: TargetArrays, ids: Interner, config: RewardConfig) -> dict[str, tuple[int, dict]]:
    """Fill row ``row`` of ``out`` with ``target``; raises Unencodable past the limits.

    Returns, per parameter name, its slot and a dict from canonical value to
    the bitmask of expected calls that accept that value there.
    """
    C, S = config.max_calls, config.max_params
    if len(target.calls) > C:
        raise Unencodable("too many expected calls")
    slots: dict[str, tuple[int, dict]] = {}
    out.decision[row] = DECISION_CODES[target.decision]
    out.n[row] = len(target.calls)
    for j, call in enumerate(target.calls):
        schema = target.functions[call.name]
        out.name[row, j] = ids.add(ids.names, call.name)
        for param, options in call.arguments.items():
            s, accepts = slots.setdefault(param, (len(slots), {}))
            if s >= S:
                raise Unencodable("too many distinct parameters")
            keys, lenient = _option_keys(options, schema.types.get(param), schema.item_types.get(param))
            for k in keys:
                accepts[k] = accepts.get(k, 0) | (1 << j)
            out.present[row, j, s] = True
            out.optional[row, j, s] = "" in options
            out.lenient[row, j, s] = lenient
    if target.results is not None:
        out.score_exec[row] = True
        for j, r in enumerate(target.results):
            out.result[row, j] = ids.add(ids.outputs, r)
        if target.state is not None:
            out.state_scored[row] = True
            out.state[row] = ids.add(ids.outputs, target.state)
    return slots


class _AttemptRows:
    """Per-call and per-argument entries collected as flat tuples, written to the arrays in one go
    (numpy item writes are slow), plus a per-batch memo of standardised strings."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int, bool]] = []  # (row, call, name id, call_ok)
        self.args: list[tuple[int, int, int, int, bool, bool]] = []  # (row, call, slot, accept bits, strict, loose)
        self.results: list[tuple[int, int, int]] = []  # (row, call, output id)
        self.std: dict[str, str] = {}

    def mark(self) -> tuple[int, int, int]:
        return len(self.calls), len(self.args), len(self.results)

    def rollback(self, mark: tuple[int, int, int]) -> None:
        del self.calls[mark[0] :], self.args[mark[1] :], self.results[mark[2] :]

    def write(self, out: AttemptArrays) -> None:
        if self.calls:
            rows, cols, names, oks = zip(*self.calls)
            out.name[rows, cols] = names
            out.call_ok[rows, cols] = oks
        if self.args:
            rows, cols, slots, accepts, stricts, looses = zip(*self.args)
            out.present[rows, cols, slots] = True
            out.accept[rows, cols, slots] = accepts
            out.strict[rows, cols, slots] = stricts
            out.loose[rows, cols, slots] = looses
        if self.results:
            rows, cols, res = zip(*self.results)
            out.result[rows, cols] = res


def encode_attempt(row: int, attempt: Attempt, target: RewardTarget, slots: dict[str, tuple[int, dict]], rows: _AttemptRows,
                   out: AttemptArrays, ids: Interner, config: RewardConfig) -> None:
    """Encode one completion (its target already interned, with ``slots``); raises Unencodable past the limits."""
    parsed = attempt.parsed
    out.format_ok[row] = parsed.ok
    out.asks[row] = "?" in parsed.content
    if not parsed.ok:
        return
    calls = parsed.calls
    if len(calls) > config.max_calls:
        raise Unencodable("too many calls made")
    out.n[row] = len(calls)
    names, std_memo = ids.names, rows.std
    functions = target.functions
    add_arg, add_call = rows.args.append, rows.calls.append
    for i, call in enumerate(calls):
        args = call.arguments
        schema = functions.get(call.name)
        ok = schema is not None and all(p in args for p in schema.required)
        types = schema.types if schema is not None else {}
        for param, value in args.items():
            slot = slots.get(param)
            if slot is None:
                ok = False  # in no expected call: unexpected whichever call it is matched with
                continue
            s, accepts = slot
            type_name = types.get(param)
            if type_name is None or type_name == "dict":
                add_arg((row, i, s, 0, False, False))
                continue
            if type_name == "float" and type(value) is int:
                try:
                    value = float(value)
                except OverflowError:
                    raise Unencodable("int too large for a float") from None
            elif type_name == "tuple" and type(value) is tuple:
                value = list(value)
            expected = PY_TYPES[type_name]
            if type(value) is not expected:
                add_arg((row, i, s, 0, False, False))
            elif expected is str:
                key = std_memo.get(value)
                if key is None:
                    key = std_memo[value] = standardize(value)
                add_arg((row, i, s, accepts.get(key, 0), True, False))
            elif expected is list:
                item_name = schema.item_types.get(param)
                if item_name is None or item_name == "dict":
                    add_arg((row, i, s, 0, False, False))
                    continue
                item = PY_TYPES[item_name]
                strict = all(type(x) is item for x in value)
                add_arg((row, i, s, accepts.get(_std_items(value), 0), strict, not strict))
            else:
                add_arg((row, i, s, accepts.get(eq_key(value), 0), True, False))
        add_call((row, i, names.get(call.name, MISSING), ok))
    outputs = ids.outputs
    for i, r in enumerate(attempt.results[: len(calls)]):
        if r is not None:
            rows.results.append((row, i, outputs.get(r, MISSING)))
    if attempt.state is not None:
        out.state[row] = outputs.get(attempt.state, MISSING)


def encode_batch(attempts: list[Attempt], targets: list[RewardTarget], config: RewardConfig) -> tuple[AttemptArrays, TargetArrays, np.ndarray]:
    """Encode a batch; the boolean mask marks completions the kernel scores (the rest need the reference).

    Targets shared by several completions (the G samples of a prompt) are
    encoded once. Both arrays have N rows so that shapes depend on N only.
    """
    n = len(attempts)
    C, S = config.max_calls, config.max_params
    ids = Interner()
    t_arr = _empty_targets(n, C, S)
    a_arr = _empty_attempts(n, C, S)
    encoded_targets: dict[int, tuple[int, dict]] = {}
    bad_targets: set[int] = set()
    for target in targets:
        key = id(target)
        if key in encoded_targets or key in bad_targets:
            continue
        row = len(encoded_targets)
        try:
            slots = encode_target(row, target, t_arr, ids, config)
        except Unencodable:
            bad_targets.add(key)
            _clear_target_row(t_arr, row)
            continue
        encoded_targets[key] = (row, slots)
    ok = np.zeros(n, bool)
    rows = _AttemptRows()
    for i, (attempt, target) in enumerate(zip(attempts, targets)):
        found = encoded_targets.get(id(target))
        if found is None:
            continue
        a_arr.target[i] = found[0]
        mark = rows.mark()
        try:
            encode_attempt(i, attempt, target, found[1], rows, a_arr, ids, config)
        except Unencodable:
            rows.rollback(mark)
            a_arr.n[i] = 0
            a_arr.state[i] = MISSING
            continue
        ok[i] = True
    rows.write(a_arr)
    return a_arr, t_arr, ok


def _clear_target_row(t: TargetArrays, row: int) -> None:
    t.name[row] = t.result[row] = PAD
    t.present[row] = t.optional[row] = t.lenient[row] = False
    t.n[row] = 0
    t.score_exec[row] = t.state_scored[row] = False
    t.state[row] = PAD

"""Parsed calls and ground truth as fixed-size integer arrays for the reward kernel.

Names, parameter keys, canonical values and execution outputs become small
integer ids, interned per batch (a perfect hash: equal ids iff equal
canonical forms, so no collisions can make the kernel differ from the
reference). Values are canonicalised here with the argument check's rules so
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

Whatever cannot be encoded exactly raises :class:`Unencodable` and that
completion is scored by the reference instead: more calls / parameters /
alternatives than the limits, ``dict`` parameters and lists of dicts, BFCL's
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
        self.values: dict[Any, int] = {}
        self.outputs: dict[Any, int] = {}

    @staticmethod
    def add(table: dict[Any, int], item: Any) -> int:
        return table.setdefault(item, len(table))


@dataclass
class TargetArrays:
    """Ground truth side, ``[U, ...]`` (one row per distinct target)."""

    decision: np.ndarray  # [U] int32, DECISION_CODES
    n: np.ndarray  # [U] int32 expected calls
    name: np.ndarray  # [U, C]
    key: np.ndarray  # [U, C, P]
    optional: np.ndarray  # [U, C, P] bool: "" among the acceptable values
    lenient: np.ndarray  # [U, C, P] bool: a non-list acceptable value (array item types unchecked)
    vals: np.ndarray  # [U, C, P, A]
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
    required_ok: np.ndarray  # [N, C] bool
    present: np.ndarray  # [N, C, P] bool
    key: np.ndarray  # [N, C, P]
    val: np.ndarray  # [N, C, P]
    strict: np.ndarray  # [N, C, P] bool
    loose: np.ndarray  # [N, C, P] bool
    result: np.ndarray  # [N, C]
    state: np.ndarray  # [N]


def _empty_targets(u: int, c: int, p: int, a: int) -> TargetArrays:
    i32 = np.int32
    return TargetArrays(
        np.zeros(u, i32), np.zeros(u, i32), np.full((u, c), PAD, i32), np.full((u, c, p), PAD, i32),
        np.zeros((u, c, p), bool), np.zeros((u, c, p), bool), np.full((u, c, p, a), PAD, i32),
        np.full((u, c), PAD, i32), np.zeros(u, bool), np.zeros(u, bool), np.full(u, PAD, i32),
    )


def _empty_attempts(n: int, c: int, p: int) -> AttemptArrays:
    i32 = np.int32
    return AttemptArrays(
        np.zeros(n, i32), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, i32), np.full((n, c), MISSING, i32),
        np.zeros((n, c), bool), np.zeros((n, c, p), bool), np.full((n, c, p), MISSING, i32),
        np.full((n, c, p), MISSING, i32), np.zeros((n, c, p), bool), np.zeros((n, c, p), bool),
        np.full((n, c), MISSING, i32), np.full(n, MISSING, i32),
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


def encode_target(row: int, target: RewardTarget, out: TargetArrays, ids: Interner, config: RewardConfig) -> None:
    """Fill row ``row`` of ``out`` with ``target``; raises Unencodable past the limits."""
    C, P, A = config.max_calls, config.max_params, config.max_alternatives
    if len(target.calls) > C:
        raise Unencodable("too many expected calls")
    out.decision[row] = DECISION_CODES[target.decision]
    out.n[row] = len(target.calls)
    for j, call in enumerate(target.calls):
        if len(call.arguments) > P:
            raise Unencodable("too many expected parameters")
        schema = target.functions[call.name]
        out.name[row, j] = ids.add(ids.names, call.name)
        for q, (param, options) in enumerate(call.arguments.items()):
            keys, lenient = _option_keys(options, schema.types.get(param), schema.item_types.get(param))
            vals = sorted({ids.add(ids.values, k) for k in keys})
            if len(vals) > A:
                raise Unencodable("too many acceptable values")
            out.key[row, j, q] = ids.add(ids.keys, param)
            out.optional[row, j, q] = "" in options
            out.lenient[row, j, q] = lenient
            out.vals[row, j, q, : len(vals)] = vals
    if target.results is not None:
        out.score_exec[row] = True
        for j, r in enumerate(target.results):
            out.result[row, j] = ids.add(ids.outputs, r)
        if target.state is not None:
            out.state_scored[row] = True
            out.state[row] = ids.add(ids.outputs, target.state)


def encode_attempt(row: int, attempt: Attempt, target: RewardTarget, out: AttemptArrays, ids: Interner, config: RewardConfig) -> None:
    """Fill row ``row`` of ``out`` with ``attempt`` (its target already interned); raises Unencodable past the limits."""
    parsed = attempt.parsed
    out.format_ok[row] = parsed.ok
    out.asks[row] = "?" in parsed.content
    if not parsed.ok:
        return
    calls = parsed.calls
    if len(calls) > config.max_calls:
        raise Unencodable("too many calls made")
    out.n[row] = len(calls)
    names, keys, values = ids.names, ids.keys, ids.values
    for i, call in enumerate(calls):
        args = call.arguments
        if len(args) > config.max_params:
            raise Unencodable("too many parameters in a call")
        out.name[row, i] = names.get(call.name, MISSING)
        schema = target.functions.get(call.name)
        out.required_ok[row, i] = schema is not None and all(p in args for p in schema.required)
        for p, (param, value) in enumerate(args.items()):
            out.present[row, i, p] = True
            out.key[row, i, p] = keys.get(param, MISSING)
            type_name = schema.types.get(param) if schema is not None else None
            if type_name is None or type_name == "dict":
                continue  # unknown parameter, or a dict (only ever expected in targets that fall back)
            if type_name == "tuple" and type(value) is tuple:
                value = list(value)
            elif type_name == "float" and type(value) is int:
                try:
                    value = float(value)
                except OverflowError:
                    raise Unencodable("int too large for a float") from None
            expected = PY_TYPES[type_name]
            if type(value) is not expected:
                continue
            if expected is list:
                item_name = schema.item_types.get(param)
                if item_name is None or item_name == "dict":
                    continue
                item = PY_TYPES[item_name]
                typed = all(type(x) is item for x in value)
                out.strict[row, i, p] = typed
                out.loose[row, i, p] = not typed
                out.val[row, i, p] = values.get(_std_items(value), MISSING)
            else:
                out.strict[row, i, p] = True
                key = standardize(value) if expected is str else eq_key(value)
                out.val[row, i, p] = values.get(key, MISSING)
    for i, r in enumerate(attempt.results[: len(calls)]):
        if r is not None:
            out.result[row, i] = ids.outputs.get(r, MISSING)
    if attempt.state is not None:
        out.state[row] = ids.outputs.get(attempt.state, MISSING)


def encode_batch(attempts: list[Attempt], targets: list[RewardTarget], config: RewardConfig) -> tuple[AttemptArrays, TargetArrays, np.ndarray]:
    """Encode a batch; the boolean mask marks completions the kernel scores (the rest need the reference).

    Targets shared by several completions (the G samples of a prompt) are
    encoded once. Both arrays have N rows so that shapes depend on N only.
    """
    n = len(attempts)
    C, P, A = config.max_calls, config.max_params, config.max_alternatives
    ids = Interner()
    t_arr = _empty_targets(n, C, P, A)
    a_arr = _empty_attempts(n, C, P)
    rows: dict[int, int] = {}
    bad_targets: set[int] = set()
    for target in targets:
        key = id(target)
        if key in rows or key in bad_targets:
            continue
        row = len(rows)
        try:
            encode_target(row, target, t_arr, ids, config)
        except Unencodable:
            bad_targets.add(key)
            _clear_target_row(t_arr, row)
            continue
        rows[key] = row
    ok = np.zeros(n, bool)
    for i, (attempt, target) in enumerate(zip(attempts, targets)):
        row = rows.get(id(target))
        if row is None:
            continue
        a_arr.target[i] = row
        try:
            encode_attempt(i, attempt, target, a_arr, ids, config)
        except Unencodable:
            _clear_attempt_row(a_arr, i)
            continue
        ok[i] = True
    return a_arr, t_arr, ok


def _clear_target_row(t: TargetArrays, row: int) -> None:
    for name, fill in (("name", PAD), ("key", PAD), ("vals", PAD), ("result", PAD)):
        getattr(t, name)[row] = fill
    t.optional[row] = t.lenient[row] = False
    t.n[row] = 0


def _clear_attempt_row(a: AttemptArrays, row: int) -> None:
    for name in ("name", "key", "val", "result"):
        getattr(a, name)[row] = MISSING
    for name in ("present", "strict", "loose", "required_ok"):
        getattr(a, name)[row] = False
    a.n[row] = 0

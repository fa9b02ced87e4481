"""Parsed calls and ground truth as two packed int32 matrices for the reward kernel.

What the kernel reads, per completion row (feature-major: ``[feature, row]``):

- names and execution outputs as small integer ids, local to the row's target
  (a perfect hash: equal ids iff equal canonical forms, so no collision can
  make the kernel differ from the reference);
- parameters by *slot*: per target and function name, the distinct
  parameter names of that function's expected calls are numbered (at most
  ``max_params``) and every made call of that name puts each argument in the
  slot of its name. Made and expected calls of different names never pass
  the argument check, so slots only need to agree within one name;
- per made call ``i``: ``given`` (bitmask of slots it fills) and per expected
  call ``j``: ``accept[i, j]`` (bitmask of the slots whose value passes ``j``'s
  check of that parameter - its type and its value). A parameter that no
  expected call of that name has, or a required parameter left out, sets the
  ``POISON`` slot, which no expected call accepts;
- per expected call: ``need`` (slots whose acceptable values lack ``""``),
  and per target the count of expected calls of each name.

Values are canonicalised with the argument check's rules, and the lookup of
a canonical value among the acceptable ones is a dict lookup per target
(memoised per target parameter: the G samples of a prompt repeat values):

- strings (``string`` / ``any``): BFCL-standardised text;
- arrays / tuples: the list with its top-level strings standardised; the
  acceptable ``""`` reads as the empty list, as BFCL reads it; items must have
  the schema's item type (or, BFCL's nested check, a list option's own first
  item type), unless an acceptable value is not a list;
- numbers and booleans: the Python value itself, so keys are equal exactly
  when Python's ``==`` is (``1 == 1.0 == True``), as BFCL's ``in`` compares;
  an int given for a float is converted first;
- dicts (``dict`` parameters and the items of lists of dicts): BFCL's dict
  check per acceptable dict - no unknown key, every key whose options lack
  ``""`` present, each value's canonical key (strings standardised, one level,
  as BFCL does) among that key's options; lists of dicts item by item, same
  length, in order;
- BFCL's "variable" case for scalars (acceptable values of another type than
  the schema's): the value needs either type, then plain ``==``.

Whatever cannot be encoded exactly raises :class:`Unencodable` and that
completion is scored by the reference instead: more calls / parameters than
the limits, "variable" arrays and dicts, untyped parameters, malformed dict
options, NaN, values of types JSON does not produce.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from inftool_jax.grading.bfcl_checker import standardize_string
from inftool_jax.grading.reward_config import RewardConfig
from inftool_jax.grading.reward_target import PY_TYPES, Attempt, RewardTarget

DECISION_CODES = {"call": 0, "no_call": 1, "clarify": 2}
MISSING = -1  # model side: absent / never seen in the ground truth
PAD = -2  # ground-truth side padding; never equal to a model id
PAD_MADE = -3  # model side padding of names: never equal to anything on the ground-truth side
POISON = 1 << 30  # a slot no expected call accepts: the call fails whatever it is matched with

FORMAT_OK, ASKS, FALLBACK = 1, 2, 4  # bits of the attempt FLAGS feature
SCORE_EXEC, STATE_SCORED = 1, 2  # bits of the target EXEC feature


class Layout:
    """Feature offsets of the packed matrices for ``C`` calls (attempts: ``[width_a, N]``, targets: ``[width_t, U]``)."""

    def __init__(self, max_calls: int) -> None:
        C = self.C = max_calls
        # attempt side: scalars, then C per-call features each, then accept[i, j] i-major
        self.TARGET, self.FLAGS, self.N, self.STATE, self.FB_FIRST = range(5)
        self.NAME, self.GIVEN, self.RESULT = (5 + k * C for k in range(3))
        self.ACCEPT = 5 + 3 * C
        self.width_a = self.ACCEPT + C * C
        # target side: scalars, then C per-call features each (NCOUNT: expected calls per local name id)
        self.DECISION, self.TN, self.EXEC, self.TSTATE = range(4)
        self.TNAME, self.NEED, self.TRESULT, self.NCOUNT = (4 + k * C for k in range(4))
        self.width_t = 4 + 4 * C


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


_STD_DROP = b" ,./-_*^"


def standardize(text: str) -> str:
    """BFCL's string standardisation (:func:`~inftool_jax.grading.bfcl_checker.standardize_string`), faster.

    Deleting the ASCII characters from the UTF-8 bytes is the same deletion
    (ASCII bytes never occur inside a multi-byte sequence) and ``bytes.translate``
    is a table lookup per byte instead of a dict lookup per character. Text
    that is not valid UTF-8 (lone surrogates) takes the checker's own path.
    """
    try:
        return text.encode().translate(None, _STD_DROP).decode().lower().replace("'", '"')
    except UnicodeEncodeError:
        return standardize_string(text)


def std_key(value: Any) -> Any:
    """BFCL's ``_std`` then :func:`eq_key`: strings standardised (not inside containers), the rest by ``==``."""
    return standardize(value) if type(value) is str else eq_key(value)


def _std_items(items: Any) -> Any:
    return ("l", *map(std_key, items))


class DictOption:
    """One acceptable dict (BFCL ``dict_checker``): known keys, keys that must be present, canonical options per key."""

    __slots__ = ("options", "required")

    def __init__(self, option: dict) -> None:
        self.options: dict[Any, frozenset] = {}
        required = []
        for key, opts in option.items():
            if type(opts) is not list:
                raise Unencodable("dict option whose acceptable values are not a list")
            self.options[key] = frozenset(map(std_key, opts))
            if "" not in opts:
                required.append(key)
        self.required = tuple(required)

    def accepts(self, value: dict) -> bool:
        """``value`` is a dict; exact BFCL verdict against this one option."""
        options = self.options
        for key, val in value.items():
            allowed = options.get(key)
            if allowed is None or std_key(val) not in allowed:
                return False
        return all(k in value for k in self.required)


MEMO_LIMIT = 4096
"""Canonical values remembered per target parameter (G samples and later batches repeat them); bounded."""


class SlotRule:
    """How one parameter of one function is encoded for one target: its slot, and what each expected call accepts.

    ``encode(value)`` gives ``(slot_bit, bits)``: bit j set when expected call j's check of this
    parameter passes for ``value`` (BFCL's type check, then its value check).
    """

    __slots__ = ("slot_bit", "type_name", "py_type", "item_type", "accepts", "lenient_bits", "dict_options",
                 "list_dict_options", "variable", "item_alts", "items_per_call", "memo")

    def __init__(self, slot_bit: int, type_name: str, item_type_name: str | None) -> None:
        self.slot_bit = slot_bit
        self.type_name = type_name
        self.py_type = PY_TYPES[type_name]
        self.item_type = PY_TYPES[item_type_name] if item_type_name else None
        self.accepts: dict[Any, int] = {}  # canonical value -> bits of expected calls whose options hold it
        self.lenient_bits = 0  # arrays: expected calls with a non-list option (BFCL then skips the item type check)
        self.dict_options: list = []  # [(bit of j, [DictOption, ...])]
        self.list_dict_options: list = []  # [(bit of j, [[DictOption, ...] per acceptable list])]
        self.variable: list = []  # [(bit of j, BFCL answer type, frozenset of eq_keys)]: j's options have another type
        self.item_alts: list = []  # arrays: [(bit of j, lenient, [allowed item types per list option])]
        self.items_per_call = False  # some list option's items have another type than the schema's
        self.memo: dict = {}

    def encode(self, value: Any) -> tuple[int, int]:
        """Encode one made value (memoised for hashable values); raises Unencodable."""
        try:
            key = (type(value), value)
            hit = self.memo.get(key)
        except TypeError:  # lists and dicts: computed each time
            return self.slot_bit, self._bits(value)
        if hit is None:
            hit = (self.slot_bit, self._bits(value))
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = hit
        return hit

    def _bits(self, value: Any) -> int:
        tname = self.type_name
        if tname == "float" and type(value) is int:
            try:
                value = float(value)
            except OverflowError:
                raise Unencodable("int too large for a float") from None
        elif tname == "tuple" and type(value) is tuple:
            value = list(value)
        vt, py = type(value), self.py_type
        if self.variable:
            bits = self.accepts.get(eq_key(value) if py is not str else standardize(value), 0) if vt is py else 0
            key = None
            for bit, answer, keys in self.variable:
                if vt is py or vt is answer:
                    if key is None:
                        key = eq_key(value)
                    if key in keys:
                        bits |= bit
            return bits
        if vt is not py:
            return 0
        if py is str:
            return self.accepts.get(standardize(value), 0)
        if py is dict:
            bits = 0
            for bit, options in self.dict_options:
                if any(o.accepts(value) for o in options):
                    bits |= bit
            return bits
        if py is list:
            item = self.item_type
            strict = all(type(x) is item for x in value)
            if item is dict:
                bits = 0
                for bit, lists in self.list_dict_options:
                    for opts in lists:
                        if len(opts) == len(value) and all(type(v) is dict and o.accepts(v) for v, o in zip(value, opts)):
                            bits |= bit
                            break
                return bits if strict else bits & self.lenient_bits
            bits = self.accepts.get(_std_items(value), 0)
            if not self.items_per_call:
                return bits if strict else bits & self.lenient_bits
            types = set(map(type, value))
            exact = 0
            for bit, lenient, allowed in self.item_alts:
                if bits & bit and (lenient or any(types <= a for a in allowed)):
                    exact |= bit
            return exact
        return self.accepts.get(eq_key(value), 0)

    def add_options(self, bit: int, options: list[Any]) -> None:
        """Register expected call ``bit``'s acceptable values."""
        if type(options) is not list:
            raise Unencodable("acceptable values are not a list")
        expected = self.py_type
        atype = answer_type(options)
        accepts = self.accepts
        # int options for a float parameter make BFCL's "variable" case, but ints are turned into floats
        # before the type check, so it judges exactly like the plain case
        if atype not in (None, expected) and not (expected is float and atype is int):
            if expected in (list, dict):
                raise Unencodable("BFCL variable: acceptable values of another type than the array/dict schema's")
            # BFCL: the value needs the schema's or the answer's type, then plain == among the options
            self.variable.append((bit, atype, frozenset(map(eq_key, options))))
            return
        if expected is dict:
            # "" is skipped and other non-dicts never match (BFCL's dict_checker)
            self.dict_options.append((bit, [DictOption(o) for o in options if type(o) is dict]))
            return
        if expected is list:
            item = self.item_type
            if item is None:
                raise Unencodable("array without item type")
            lists = [o for o in options if type(o) is list]
            lenient = len(lists) < len(options)
            if lenient:
                self.lenient_bits |= bit
            if item is dict:
                if any(type(o) is not list and o != "" for o in options) or any(type(x) is not dict for o in lists for x in o):
                    raise Unencodable("list-of-dict option that is neither a list of dicts nor ''")
                # "" reads as a list of length 0: it accepts the empty list
                self.list_dict_options.append((bit, [[DictOption(x) for x in o] for o in lists] + ([[]] if "" in options else [])))
                return
            if any(type(o) not in (list, str) for o in options):
                raise Unencodable("array option that is neither a list nor a string (the checker rejects it)")
            # BFCL's nested check also admits items of each list option's own first item type
            allowed = [frozenset((item, answer_type(o))) - {None} for o in lists]
            self.item_alts.append((bit, lenient, allowed))
            if any(a != {item} for a in allowed):
                self.items_per_call = True
            # a string option reads as the list of its characters, "" as the empty list (BFCL)
            for o in options:
                k = _std_items(o)
                accepts[k] = accepts.get(k, 0) | bit
            return
        keys = [standardize(o) for o in options if type(o) is str] if expected is str else [eq_key(o) for o in options]
        for k in keys:
            accepts[k] = accepts.get(k, 0) | bit


_SET_BITS = [tuple(j for j in range(12) if b >> j & 1) for b in range(1 << 12)]
"""The positions of the set bits of every mask over at most 12 expected calls (RewardConfig.max_calls <= 12)."""


class TargetCode:
    """One target, encoded independently of any batch: its packed row (ids local to the target), and per
    function name the rules of its parameters. Cached on the target object (weakly), like the checker's
    own per-target preparation, so later batches reuse it; its memos of made values last one batch."""

    __slots__ = ("packed", "rules", "required", "names", "outputs", "calls", "__weakref__")

    def __init__(self, packed: list[int], rules: dict, required: dict, names: dict, outputs: dict) -> None:
        self.packed, self.rules, self.required, self.names, self.outputs = packed, rules, required, names, outputs
        self.calls: dict = {}  # memo: (name, argument items, their types) -> encode_call(...)

    def fresh_memos(self) -> None:
        """Forget remembered values: memos live for one batch (the G samples of a prompt share them)."""
        self.calls = {}
        for frules in self.rules.values():
            for rule in frules.values():
                rule.memo = {}

    def encode_call(self, name: str, args: dict, C: int) -> tuple[int, ...]:
        """``(name id, given slots, accept[j] for j < C)`` of one made call; raises Unencodable."""
        frules = self.rules.get(name)
        if frules is None:  # no expected call has this name: every pair fails on the name
            return (MISSING, 0) + (0,) * C
        ok = args.keys() >= self.required[name]
        given = 0
        accept = [0] * C
        for param, value in args.items():
            rule = frules.get(param)
            if rule is None:
                ok = False  # in no expected call of this name: unexpected whichever one it is matched with
                continue
            bit, bits = rule.encode(value)
            given |= bit
            for j in _SET_BITS[bits]:  # slot ``bit`` is accepted by each expected call j whose bit is set
                accept[j] |= bit
        if not ok:
            given |= POISON
        return (self.names[name], given, *accept)


_CODES: "weakref.WeakKeyDictionary[RewardTarget, dict]" = weakref.WeakKeyDictionary()


def encode_target(target: RewardTarget, L: Layout, config: RewardConfig) -> TargetCode:
    """One target's code; raises Unencodable past the limits or outside what the kernel represents."""
    C, S = config.max_calls, config.max_params
    if len(target.calls) > C:
        raise Unencodable("too many expected calls")
    out = [0] * L.width_t
    out[L.DECISION] = DECISION_CODES[target.decision]
    out[L.TN] = len(target.calls)
    out[L.TSTATE] = PAD
    for k in range(C):
        out[L.TNAME + k] = out[L.TRESULT + k] = PAD
    names: dict[str, int] = {}
    outputs: dict[str, int] = {}
    rules: dict[str, dict[str, SlotRule]] = {}
    for j, call in enumerate(target.calls):
        schema = target.functions[call.name]
        local = names.setdefault(call.name, len(names))
        out[L.TNAME + j] = local
        out[L.NCOUNT + local] += 1
        frules = rules.setdefault(call.name, {})
        need = 0
        for param, options in call.arguments.items():
            rule = frules.get(param)
            if rule is None:
                if len(frules) >= S:
                    raise Unencodable("too many distinct parameters")
                type_name = schema.types.get(param)
                if type_name is None:
                    raise Unencodable("parameter without a usable type (compared by value only)")
                rule = frules[param] = SlotRule(1 << len(frules), type_name, schema.item_types.get(param))
            rule.add_options(1 << j, options)
            if "" not in options:
                need |= rule.slot_bit
        out[L.NEED + j] = need
    if target.results is not None:
        out[L.EXEC] |= SCORE_EXEC
        for j, r in enumerate(target.results):
            out[L.TRESULT + j] = outputs.setdefault(r, len(outputs))
        if target.state is not None:
            out[L.EXEC] |= STATE_SCORED
            out[L.TSTATE] = outputs.setdefault(target.state, len(outputs))
    required = {name: frozenset(target.functions[name].required) for name in rules}
    return TargetCode(out, rules, required, names, outputs)


def target_code(target: RewardTarget, L: Layout, config: RewardConfig, cache: bool = True) -> TargetCode | str:
    """The target's code, or why it cannot be encoded; cached per target and limits when ``cache``."""
    limits = (config.max_calls, config.max_params)
    if cache:
        try:
            return _CODES[target][limits]
        except KeyError:
            pass
    try:
        code: TargetCode | str = encode_target(target, L, config)
    except Unencodable as err:
        code = f"target: {err}"
    if cache:
        _CODES.setdefault(target, {})[limits] = code
    return code


def encode_attempt(attempt: Attempt, code: TargetCode, C: int, base: int, calls_out: list) -> tuple[int, int, int]:
    """Encode one completion against its target's code: appends per call ``(row * C + call, result id,
    name id, given, accept[0..C-1])`` to ``calls_out`` and returns the row's ``(flags, calls made, state id)``;
    raises Unencodable past the limits."""
    parsed = attempt.parsed
    flags = (FORMAT_OK if parsed.ok else 0) | (ASKS if "?" in parsed.content else 0)
    if not parsed.ok:
        return flags, 0, MISSING
    calls = parsed.calls
    if len(calls) > C:
        raise Unencodable("too many calls made")
    outputs, memo = code.outputs, code.calls
    results = attempt.results
    n_results = len(results)
    add = calls_out.extend
    for i, call in enumerate(calls):
        r = results[i] if i < n_results else None
        result = MISSING if r is None else outputs.get(r, MISSING)
        args = call.arguments
        try:  # the types are part of the key: 1, 1.0 and True are equal but type-check differently
            key = (call.name, tuple(args.items()), tuple(map(type, args.values())))
            hit = memo.get(key)
        except TypeError:  # list / dict values: not memoised
            key = hit = None
        if hit is None:
            hit = code.encode_call(call.name, args, C)
            if key is not None and len(memo) < MEMO_LIMIT:
                memo[key] = hit
        add((base + i, result, *hit))
    state = attempt.state
    return flags, len(calls), MISSING if state is None else outputs.get(state, MISSING)


def bucket(n: int, multiple: int = 1, minimum: int = 8) -> int:
    """``multiple`` times the next power of two >= ceil(n / multiple) (at least ``minimum``): few distinct jit shapes."""
    k = max(-(-n // multiple), minimum)
    return multiple * (1 << (k - 1).bit_length())


@dataclass
class EncodedBatch:
    """The kernel's inputs, feature-major: ``attempts`` [width_a, Nb], ``targets`` [width_t, Ub] (row counts bucketed),
    and ``encoded`` [N] - True where the kernel scores the completion (the rest need the reference)."""

    attempts: np.ndarray
    targets: np.ndarray
    encoded: np.ndarray
    layout: Layout
    reasons: dict[str, int]
    """Why completions fell back to the reference, with counts (target reasons count once per completion)."""


def _write(a_arr: np.ndarray, L: Layout, calls: list[int]) -> None:
    """Scatter the flat per-call entries into the (feature-major) attempt matrix, vectorised."""
    C = L.C
    if not calls:
        return
    c = np.array(calls, np.int64).reshape(-1, C + 4)
    row, call = c[:, 0] // C, c[:, 0] % C
    a_arr[L.RESULT + call, row] = c[:, 1]
    a_arr[L.NAME + call, row] = c[:, 2]
    a_arr[L.GIVEN + call, row] = c[:, 3]
    a_arr[L.ACCEPT + call[:, None] * C + np.arange(C), row[:, None]] = c[:, 4:]


def encode_batch(attempts: list[Attempt], targets: list[RewardTarget], config: RewardConfig, cache: bool = True) -> EncodedBatch:
    """Encode a batch. Each distinct target is encoded once (and, with ``cache``, once per target object
    across batches, as the checker prepares it once); made values are memoised within the batch.

    Rows are padded to a bucketed count; padding rows have a failed format gate
    (the caller slices them off).
    """
    n = len(attempts)
    L = Layout(config.max_calls)
    C = L.C
    t_rows: list[list[int]] = []
    row_of: dict[int, tuple[int, TargetCode | str]] = {}
    reasons: dict[str, int] = {}
    calls_out: list[int] = []
    flags = [0] * n
    n_made = [0] * n
    states = [MISSING] * n
    rows = [0] * n
    ok = np.zeros(n, bool)
    for i, (attempt, target) in enumerate(zip(attempts, targets)):
        found = row_of.get(id(target))
        if found is None:
            code = target_code(target, L, config, cache)
            found = row_of[id(target)] = (len(t_rows), code)
            if type(code) is not str:
                t_rows.append(code.packed)
                code.fresh_memos()
        row, code = found
        if type(code) is str:
            reasons[code] = reasons.get(code, 0) + 1
            continue
        mark = len(calls_out)
        try:
            flags[i], n_made[i], states[i] = encode_attempt(attempt, code, C, i * C, calls_out)
        except Unencodable as err:
            reasons[str(err)] = reasons.get(str(err), 0) + 1
            del calls_out[mark:]
            continue
        rows[i] = row
        ok[i] = True
    # feature-major [width, rows]: the kernel's per-row work then runs along the long, contiguous axis
    t_arr = np.zeros((L.width_t, bucket(len(t_rows))), np.int32)
    if t_rows:
        t_arr[:, : len(t_rows)] = np.array(t_rows, np.int32).T
    a_arr = np.zeros((L.width_a, bucket(n)), np.int32)
    a_arr[L.TARGET, :n] = rows
    a_arr[L.FLAGS, :n] = flags
    a_arr[L.N, :n] = n_made
    a_arr[L.STATE] = MISSING
    a_arr[L.STATE, :n] = states
    a_arr[L.NAME : L.NAME + C] = PAD_MADE
    a_arr[L.RESULT : L.RESULT + C] = MISSING
    _write(a_arr, L, calls_out)
    return EncodedBatch(a_arr, t_arr, ok, L, reasons)

"""BFCL's AST checker semantics for Python categories, prepared once per entry.

Answers are decoded by :mod:`inftool_jax.calls` (through
:mod:`~inftool_jax.grading.bfcl_decode`: ``parse_python(text,
bfcl_compat=True)`` for Python-call text), which reproduces the official
decoder but never runs model text: arithmetic, which BFCL ``eval``s, is an
``ast_decoder:decoder_failed`` verdict here - the one deliberate difference.

What counts as correct (as the official ``bfcl_eval`` ``ast_checker`` decides):

- Dispatch by category name: containing ``parallel`` -> order-free matching of
  the calls; else containing ``multiple`` -> the call count must equal the
  ground truth's and the FIRST call is checked against the first ground-truth
  call (looked up by name among the function docs); ``irrelevance`` -> correct
  when no call decodes; ``relevance`` -> correct when a call decodes; anything
  else (``simple_python``, ``live_simple``) -> exactly one call, checked
  against the first function doc.
- One call against one ground-truth call: the name must equal the doc's name;
  every ``required`` parameter must be present; every given parameter must be
  both in the doc and in the ground truth; value types follow the doc
  (``integer``, ``float`` (an int is accepted), ``string``, ``boolean``,
  ``array``, ``tuple`` (a tuple value counts as a list), ``dict``, ``any``
  (checked as a string)); array/tuple items are type-checked one level deep;
  if the ground truth's options have another type than the doc says, the value
  is a "variable" and only needs that type and plain equality. Strings (also
  inside lists and dict values, one level) compare after standardisation:
  drop `` ,./-_*^``, lowercase, ``'`` -> ``"``. Dict values go through
  BFCL's dict checker (keys must be known, missing keys must allow ``""``),
  lists of dicts through its list-of-dict checker (same length, in order).
  Any other value must equal one of the options. A ground-truth parameter the
  call omits is fine only when ``""`` is among its options.
- Error types are BFCL's strings (``simple_function_checker:missing_required``,
  ``type_error:nested``, ``value_error:string``, ...).

Parallel matching. ``matching="greedy"`` (the default) reproduces BFCL: for
each ground-truth call in order, take the FIRST still-unmatched model call
that passes; if none passes, the answer is wrong
(``parallel_function_checker_no_order:cannot_find_match``). Greedy can reject
a correct answer: when one model call satisfies two ground-truth calls (one of
which allows optional parameters to be omitted), an earlier ground-truth call
may take the model call that a later one needed. ``matching="optimal"``
instead finds a perfect bipartite matching (augmenting paths) between model
calls and ground-truth calls, so it accepts every answer whose calls can be
paired one-to-one; it never rejects what greedy accepts.

Where the official checker would crash (malformed docs or ground truth, e.g.
a list parameter whose options include ``None``), this one returns an invalid
verdict instead. Function docs may be BFCL style (``"type": "dict"``) or JSON
Schema (``"object"``, ``"number"``; a list of types uses its first non-null
entry; a parameter with no or an unknown type is compared by value only).

Speed: :func:`prepare` does all per-entry work once (standardised options,
resolved types, required lists, doc lookup); :func:`check_prepared` then
costs a few dict lookups per parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from inftool_jax.calls.call import Call
from inftool_jax.grading.bfcl_decode import OK, decode_result
from inftool_jax.grading.bfcl_params import OK_VERDICT as _OK
from inftool_jax.grading.bfcl_params import TYPE_MAP, Crash, ParamCheck, Verdict, standardize_string
from inftool_jax.grading.bfcl_params import fail as _fail

__all__ = [
    "Verdict",
    "PreparedEntry",
    "prepare",
    "check_prepared",
    "check_calls",
    "check_result",
    "standardize_string",
    "category_kind",
    "TYPE_MAP",
]


def category_kind(category: str) -> str:
    """How BFCL treats a category: parallel, multiple, irrelevance, relevance or simple."""
    if "irrelevance" in category:
        return "irrelevance"
    if "relevance" in category:
        return "relevance"
    if "parallel" in category:
        return "parallel"
    if "multiple" in category:
        return "multiple"
    return "simple"


# ---------------------------------------------------------------- preparation


class _PreparedCall:
    """One ground-truth call with its function doc resolved."""

    __slots__ = ("name", "required", "doc_params", "params", "missing_optional")

    def __init__(self, doc: dict | None, answer: dict, underscore_to_dot: bool):
        if doc is None or not isinstance(answer, dict) or len(answer) != 1:
            raise Crash("ground truth names no known function")
        name = doc.get("name", "")
        if underscore_to_dot and "." in name:
            name = name.replace(".", "_")
        self.name = name
        schema = doc.get("parameters") or {}
        self.doc_params = schema.get("properties") or {}
        self.required = list(schema.get("required") or [])
        options = next(iter(answer.values()))
        if not isinstance(options, dict):
            raise Crash("ground-truth arguments are not an object")
        self.params = {}
        for pname, opts in options.items():
            pschema = self.doc_params.get(pname)
            if pschema is not None:
                self.params[pname] = ParamCheck(pname, pschema, opts)
        self.missing_optional = [p for p, opts in options.items() if not (isinstance(opts, list) and "" in opts)]

    def check(self, name: str, args: dict) -> Verdict:
        if name != self.name:
            return _fail("simple_function_checker:wrong_func_name", f"Function name {self.name!r} not found in model output.")
        for p in self.required:
            if p not in args:
                return _fail("simple_function_checker:missing_required", f"Missing required parameter: {p!r}.")
        params = self.params
        for p, value in args.items():
            rule = params.get(p)
            if rule is None:
                return _fail("simple_function_checker:unexpected_param", f"Unexpected parameter: {p!r}.")
            bad = rule.check(value)
            if bad is not None:
                return bad
        for p in self.missing_optional:
            if p not in args:
                return _fail("simple_function_checker:missing_optional", f"Optional parameter {p!r} not provided and not marked as optional.")
        return _OK


@dataclass
class PreparedEntry:
    """One BFCL entry ready to check many answers against."""

    category: str
    kind: str
    calls: list  # list[_PreparedCall]; empty for relevance kinds
    matching: str = "greedy"
    broken: str | None = None  # why the entry cannot be checked (the official checker would crash)


def _find_doc(functions: Sequence[dict], name: str) -> dict | None:
    for doc in functions:
        if doc.get("name") == name:
            return doc
    return None


def prepare(
    ground_truth: list[dict] | None,
    functions: Sequence[dict],
    category: str,
    matching: str = "greedy",
    underscore_to_dot: bool = False,
) -> PreparedEntry:
    """Do the per-entry work once: resolve docs, types and standardised options.

    ``ground_truth``: BFCL ``possible_answer`` list ``[{func: {param: [options]}}]``
    (ignored for relevance categories). ``functions``: the entry's function docs.
    ``underscore_to_dot``: expect ``.`` in doc names as ``_`` (BFCL does this for
    function-calling APIs that forbid dots).
    """
    if matching not in ("greedy", "optimal"):
        raise ValueError(f"matching must be 'greedy' or 'optimal', not {matching!r}")
    kind = category_kind(category)
    entry = PreparedEntry(category, kind, [], matching)
    if kind in ("irrelevance", "relevance"):
        return entry
    functions = list(functions or [])
    answers = list(ground_truth or [])
    try:
        if kind == "simple":
            if answers:
                doc = functions[0] if functions else None
                entry.calls = [_PreparedCall(doc, answers[0], underscore_to_dot)]
        elif kind == "multiple":
            if answers:
                first = answers[0]
                doc = _find_doc(functions, next(iter(first))) if isinstance(first, dict) and first else None
                entry.calls = [_PreparedCall(doc, first, underscore_to_dot)] + [None] * (len(answers) - 1)
        else:
            for answer in answers:
                doc = _find_doc(functions, next(iter(answer))) if isinstance(answer, dict) and answer else None
                entry.calls.append(_PreparedCall(doc, answer, underscore_to_dot))
    except Crash as err:
        entry.broken = str(err)
    return entry


def _as_calls(calls: Sequence[Any]) -> list[Call]:
    out = []
    for c in calls:
        if type(c) is Call:
            out.append(c)
        elif type(c) is tuple and len(c) == 2:
            out.append(Call(*c))
        elif hasattr(c, "name") and hasattr(c, "arguments"):
            out.append(c)  # any object shaped like a Call
        elif isinstance(c, dict) and len(c) == 1:
            out.append(Call(*next(iter(c.items()))))
        else:
            raise TypeError(f"not a call: {c!r}")
    return out


def check_prepared(entry: PreparedEntry, calls: Sequence[Any]) -> Verdict:
    """Check decoded calls (``Call`` objects, ``(name, arguments)`` pairs or BFCL
    ``{name: args}`` dicts) against a prepared entry.

    For relevance kinds, ``calls`` empty means "no call decoded" (a decode
    failure is also no call: pass ``[]``).
    """
    kind = entry.kind
    if kind == "irrelevance":
        if calls:
            return _fail("irrelevance_error:decoder_success", "Valid syntax. Successfully decode AST when it should not.")
        return _OK
    if kind == "relevance":
        if calls:
            return _OK
        return _fail("relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have.")
    return _check_calls(entry, _as_calls(calls))


def _check_calls(entry: PreparedEntry, calls: list) -> Verdict:
    kind = entry.kind
    if kind == "irrelevance" or kind == "relevance":
        return check_prepared(entry, calls)
    if kind == "simple":
        if len(calls) != 1:
            return _fail("simple_function_checker:wrong_count", "Wrong number of functions.")
        if entry.broken or not entry.calls:
            return _fail("checker:malformed_entry", entry.broken or "no ground truth")
        return entry.calls[0].check(calls[0].name, calls[0].arguments)
    if len(calls) != len(entry.calls):
        prefix = "multiple_function_checker" if kind == "multiple" else "parallel_function_checker_no_order"
        return _fail(f"{prefix}:wrong_count", "Wrong number of functions.")
    if entry.broken:
        return _fail("checker:malformed_entry", entry.broken)
    if kind == "multiple":
        return entry.calls[0].check(calls[0].name, calls[0].arguments) if calls else _OK
    if entry.matching == "optimal":
        return _match_optimal(entry.calls, calls)
    return _match_greedy(entry.calls, calls)


def _no_match(i: int, unmatched: list[int]) -> Verdict:
    return _fail(
        "parallel_function_checker_no_order:cannot_find_match",
        f"Could not find a matching function among index {unmatched} of model output for index {i} of possible answers.",
    )


def _match_greedy(gt_calls: list, calls: list) -> Verdict:
    matched = [False] * len(calls)
    for i, gt in enumerate(gt_calls):
        for j, call in enumerate(calls):
            if not matched[j] and gt.check(call.name, call.arguments).valid:
                matched[j] = True
                break
        else:
            return _no_match(i, [j for j, m in enumerate(matched) if not m])
    return _OK


def _match_optimal(gt_calls: list, calls: list) -> Verdict:
    n = len(gt_calls)
    fits = [[j for j, call in enumerate(calls) if gt.check(call.name, call.arguments).valid] for gt in gt_calls]
    owner = [-1] * len(calls)  # model call j -> ground-truth call i

    def augment(i: int, seen: list[bool]) -> bool:
        for j in fits[i]:
            if not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(n):
        if not augment(i, [False] * len(calls)):
            return _no_match(i, [j for j, o in enumerate(owner) if o < 0])
    return _OK


def check_result(entry: PreparedEntry, result: Any) -> Verdict:
    """Decode one BFCL ``result`` (model text, Hermes text or decoded list) and check it.

    Text is decoded by :func:`inftool_jax.calls.parse_python` with
    ``bfcl_compat=True`` (see :mod:`inftool_jax.grading.bfcl_decode`), so
    arithmetic, which the official decoder evaluates, is a decode failure.
    """
    decoded = decode_result(result)
    if entry.kind in ("irrelevance", "relevance"):
        return check_prepared(entry, decoded.calls if decoded.has_call else [])
    if decoded.status != OK:
        return _fail(decoded.status, decoded.error or "could not decode")
    return _check_calls(entry, decoded.calls)


def check_calls(
    calls: list[Call],
    ground_truth: list[dict] | None,
    functions: list[dict],
    category: str,
    matching: str = "greedy",
) -> Verdict:
    """One-shot check of decoded calls (prepare + check). Use :func:`prepare`
    and :func:`check_prepared` to check many answers against one entry."""
    return check_prepared(prepare(ground_truth, functions, category, matching), calls)

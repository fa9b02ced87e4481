"""Multi-turn results built from BFCL's ground truth: the truth itself in several step layouts
and systematic corruptions, for the agreement test against the official multi-turn checker.

Every variant is model text as a prompting model writes it (Python call syntax per step), so
both checkers decode and run it. Kinds cover each verdict path: valid layouts, undecodable and
empty steps (skipped), a dropped, emptied, added or missing turn, wrong values, reordered,
duplicated and moved calls, unknown, blocked and dotted names, nested calls as arguments,
empty-dict arguments (a decode failure in BFCL), positional arguments (dropped by BFCL's
decoder) and results that are not lists.
"""

from __future__ import annotations

import random

from inftool_jax.evaluate.bfcl_multi_turn_exec import parse_ground_truth_call


def _render(call) -> str:
    parts = [repr(a) for a in call.args] + [f"{k}={v!r}" for k, v in call.kwargs.items()]
    return f"{call.name}({', '.join(parts)})"


def _step(calls: list[str]) -> str:
    return "[" + ", ".join(calls) + "]"


def _one_step(turns: list[list[str]]) -> list[list[str]]:
    return [[_step(t)] if t else [] for t in turns]


def _changed_value(call):
    kwargs = dict(call.kwargs)
    for k, v in kwargs.items():
        if isinstance(v, bool):
            kwargs[k] = not v
            break
        if isinstance(v, str):
            kwargs[k] = v + "_x"
            break
        if isinstance(v, (int, float)):
            kwargs[k] = v + 1
            break
    else:
        return None
    return type(call)(call.name, call.args, kwargs)


def variants(entry, seed: int = 0) -> list[tuple[str, object]]:
    rng = random.Random(f"{seed}:{entry.id}")
    gt = [list(t) for t in entry.ground_truth]
    parsed = [[parse_ground_truth_call(s) for s in t] for t in gt]
    busy = [i for i, t in enumerate(gt) if t]
    out: list[tuple[str, object]] = [("truth", _one_step(gt))]
    # every call its own step, then prose that ends the turn
    out.append(("truth_steps", [[_step([c]) for c in t] + (["Done, anything else?"] if t else []) for t in gt]))
    # positional arguments written as keywords where the doc names them (BFCL drops positional ones)
    if any(c.args for t in parsed for c in t):
        docs = {d["name"]: list((d.get("parameters") or {}).get("properties") or {}) for d in entry.functions}
        docs.update({d["name"]: list((d.get("parameters") or {}).get("properties") or {}) for ds in entry.missed_functions.values() for d in ds})
        fixed = []
        for t in parsed:
            row = []
            for c in t:
                names = docs.get(c.name, [])
                kw = {names[i]: a for i, a in enumerate(c.args) if i < len(names)}
                kw.update(c.kwargs)
                row.append(_render(type(c)(c.name, (), kw)))
            fixed.append(row)
        out.append(("positional_as_keywords", _one_step(fixed)))
    if busy:
        i = rng.choice(busy)
        dropped = [list(t) for t in gt]
        dropped[i] = dropped[i][:-1]
        out.append(("drop_last_call", _one_step(dropped)))
        emptied = _one_step(gt)
        emptied[i] = []
        out.append(("empty_turn", emptied))
        prose = _one_step(gt)
        prose[i] = ["I cannot do that."] + prose[i]
        out.append(("prose_step_first", prose))
        dup = [list(t) for t in gt]
        dup[i] = dup[i] + [dup[i][0]]
        out.append(("duplicate_call", _one_step(dup)))
        if len(gt[i]) > 1:
            swapped = [list(t) for t in gt]
            a, b = rng.sample(range(len(gt[i])), 2)
            swapped[i][a], swapped[i][b] = swapped[i][b], swapped[i][a]
            out.append(("swap_calls", _one_step(swapped)))
        changed = [list(t) for t in gt]
        for j, c in enumerate(parsed[i]):
            new = _changed_value(c)
            if new is not None:
                changed[i][j] = _render(new)
                out.append(("wrong_value", _one_step(changed)))
                break
        unknown = _one_step(gt)
        unknown[i] = [_step(["no_such_tool(x=1)"])] + unknown[i]
        out.append(("unknown_name_step", unknown))
        blocked = _one_step(gt)
        blocked[i] = [_step(["kill(pid=1)", "exit(code=0)"])] + blocked[i]
        out.append(("blocked_names_step", blocked))
        dotted = [list(t) for t in gt]
        dotted[i][0] = f"{entry.involved_classes[0]}.{dotted[i][0]}"
        out.append(("dotted_name", _one_step(dotted)))
        nested = [list(t) for t in gt]
        inner = parsed[i][-1]
        outer = parsed[i][0]
        if outer.kwargs:
            key = next(iter(outer.kwargs))
            nested[i][0] = f"{outer.name}({key}={_render(inner) if inner.kwargs else inner.name + '()'})"
            out.append(("nested_call_argument", _one_step(nested)))
        empty_dict = _one_step(gt)
        empty_dict[i] = [_step([f"{parsed[i][0].name}(options={{}})"])] + empty_dict[i]
        out.append(("empty_dict_argument", empty_dict))
        if len(busy) > 1:
            k = busy[busy.index(i) - 1]
            moved = [list(t) for t in gt]
            moved[k] = moved[k] + moved[i]
            moved[i] = []
            out.append(("calls_moved_earlier", _one_step(moved)))
    out.append(("missing_turn", _one_step(gt)[:-1]))
    out.append(("extra_turn", _one_step(gt) + [[]]))
    out.append(("not_a_list", _step(gt[busy[0]]) if busy else "[]"))
    out.append(("list_steps", [[[c for c in t]] if t else [] for t in gt]))
    return out

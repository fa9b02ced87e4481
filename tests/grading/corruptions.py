"""A systematic suite of answers per BFCL entry: the ground truth and corruptions of it.

Used by the agreement tests and the checker benchmark. Every variant is model
text in BFCL's Python call syntax (as a prompting model would write it), so the
comparison covers decoding and checking end to end.

Variants named in :data:`ARITHMETIC` write a value as arithmetic (``x * 1``):
the official decoder ``eval``s it, ours refuses it (a decode failure), so the
agreement test asserts that difference instead of equal verdicts and the
benchmark leaves them out.
"""

from __future__ import annotations

from inftool_jax.evaluate.bfcl_data import RELEVANCE
from inftool_jax.evaluate.bfcl_demo import choose_args, first_choice, ground_truth_calls, render_answer, render_call

ARITHMETIC = frozenset({"arithmetic"})


def _last_choice(options):
    if isinstance(options, list):
        for o in reversed(options):
            if o != "":
                return first_choice([o])
    return first_choice(options)


def _wrong_value(v):
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + 1
    if isinstance(v, float):
        return v + 0.5
    if isinstance(v, str):
        return v + "zz"
    if isinstance(v, list):
        return v[:-1] if v else ["zz"]
    if isinstance(v, dict):
        if not v:
            return {"zz": 1}
        k = next(iter(v))
        return {**v, k: _wrong_value(v[k])}
    return "zz"


def _wrong_type(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(v)
    if isinstance(v, str):
        return 12345
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, dict):
        return list(v.items())
    return 0


def _respell(v):
    """Same value, spelled differently where BFCL standardisation should forgive it."""
    if isinstance(v, str):
        return v.upper().replace(" ", "  ") + "."
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_respell(x) for x in v]
    return v


def _dict_drop_key(v):
    if isinstance(v, dict) and v:
        return {k: x for k, x in list(v.items())[1:]}
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return [_dict_drop_key(v[0])] + v[1:]
    return None


def _dict_extra_key(v):
    if isinstance(v, dict):
        return {**v, "zz_key": "zz"}
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return [_dict_extra_key(v[0])] + v[1:]
    return None


def _dict_respell(v):
    if isinstance(v, dict):
        return {k: _respell(x) for k, x in v.items()}
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return [_dict_respell(x) for x in v]
    return None


def _list_more(v):
    if isinstance(v, list) and v:
        return v + [v[0]]
    return None


def _list_item_type(v):
    if isinstance(v, list) and v:
        first = v[0]
        return [str(first) if not isinstance(first, str) else 7] + v[1:]
    return None


def _map_first_arg(calls, fn):
    out = [(n, dict(a)) for n, a in calls]
    for i, (n, a) in enumerate(out):
        if a:
            k = next(iter(a))
            a[k] = fn(a[k])
            return out
    return None


def _each_arg(calls, fn, limit=3):
    """Apply fn to one argument at a time (first `limit` arguments of the first call)."""
    if not calls:
        return []
    name, args = calls[0]
    outs = []
    for k in list(args)[:limit]:
        a = dict(args)
        a[k] = fn(a[k])
        outs.append([(name, a)] + calls[1:])
    return outs


def variants(category: str, functions: list, ground_truth: list | None) -> list[tuple[str, object]]:
    """(variant name, result) pairs for one entry. Results are text, except a few
    already-decoded lists."""
    out: list[tuple[str, object]] = []
    prose = [("prose", "I'm sorry, I can't help with that."), ("empty", ""), ("empty_list", "[]"),
             ("broken", "[f(a=1"), ("prose_code", "Sure: get_weather(city='Paris') will do")]
    if category in RELEVANCE:
        out += prose
        for doc in functions[:2]:
            req = (doc.get("parameters") or {}).get("required") or []
            out.append(("call", render_answer([(doc["name"], {p: "x" for p in req})])))
            out.append(("call_no_args", render_answer([(doc["name"], {})])))
            out.append(("positional", f"[{doc['name']}(1)]"))
            out.append(("fenced", f"```python\n{render_answer([(doc['name'], {})])}\n```"))
        return out

    calls = ground_truth_calls(ground_truth)
    out.append(("ground_truth", render_answer(calls)))
    out.append(("ground_truth_decoded", [{n: a} for n, a in calls]))
    out.append(("no_brackets", ", ".join(render_call(n, a) for n, a in calls)))
    out.append(("fenced", "```\n" + render_answer(calls) + "\n```"))
    last = [(name, {k: _last_choice(v) for k, v in opts.items() if not (isinstance(v, list) and v and all(o == "" for o in v))})
            for c in ground_truth for name, opts in c.items()]
    out.append(("last_alternative", render_answer(last)))
    # every optional parameter given, with its first real value
    full = [(name, {k: _last_choice(v) for k, v in opts.items()}) for c in ground_truth for name, opts in c.items()]
    out.append(("all_optionals", render_answer([(n, {k: v for k, v in a.items() if v is not None}) for n, a in full])))
    respelled = [(n, {k: _respell(v) for k, v in a.items()}) for n, a in calls]
    out.append(("respelled", render_answer(respelled)))
    for i, c in enumerate(_each_arg(calls, _wrong_value)):
        out.append((f"wrong_value_{i}", render_answer(c)))
    for i, c in enumerate(_each_arg(calls, _wrong_type)):
        out.append((f"wrong_type_{i}", render_answer(c)))
    for label, fn in (("dict_drop_key", _dict_drop_key), ("dict_extra_key", _dict_extra_key),
                      ("dict_respelled", _dict_respell), ("list_longer", _list_more), ("list_item_type", _list_item_type)):
        for i, c in enumerate(_each_arg(calls, fn, limit=8)):
            if any(v is None for _, a in c[:1] for v in a.values()):
                continue  # fn does not apply to this argument
            out.append((f"{label}_{i}", render_answer(c)))
    if calls:
        name, args = calls[0]
        for i, k in enumerate(list(args)[:3]):
            a = {kk: vv for kk, vv in args.items() if kk != k}
            out.append((f"missing_param_{i}", render_answer([(name, a)] + calls[1:])))
        out.append(("extra_param", render_answer([(name, {**args, "zz_extra": 1})] + calls[1:])))
        out.append(("wrong_name", render_answer([(name + "_x", args)] + calls[1:])))
        if "." in name:
            out.append(("underscored_name", render_answer([(name.replace(".", "_"), args)] + calls[1:])))
        other = [d["name"] for d in functions if d.get("name") != name]
        if other:
            out.append(("other_function", render_answer([(other[0], args)] + calls[1:])))
        out.append(("duplicate_call", render_answer(calls + [calls[0]])))
        out.append(("dropped_call", render_answer(calls[1:])))
        out.append(("reordered", render_answer(list(reversed(calls)))))
        if args:
            k0 = next(iter(args))
            rest = ", ".join(f"{k}={v!r}" for k, v in args.items() if k != k0)
            text = f"{name}({args[k0]!r}" + (f", {rest}" if rest else "") + ")"
            out.append(("positional", "[" + ", ".join([text] + [render_call(n, a) for n, a in calls[1:]]) + "]"))
            numeric = [(k, v) for k, v in args.items() if type(v) in (int, float)]
            if numeric:
                k, v = numeric[0]
                text = f"{name}(" + ", ".join(f"{kk}={('+' + repr(vv)) if kk == k else repr(vv)}" for kk, vv in args.items()) + ")"
                out.append(("unary_plus", "[" + ", ".join([text] + [render_call(n, a) for n, a in calls[1:]]) + "]"))
                text = f"{name}(" + ", ".join(f"{kk}={(repr(vv) + ' * 1') if kk == k else repr(vv)}" for kk, vv in args.items()) + ")"
                out.append(("arithmetic", "[" + ", ".join([text] + [render_call(n, a) for n, a in calls[1:]]) + "]"))
        if len(calls) > 1:
            out.append(("swapped_names", render_answer([(calls[1][0], calls[0][1]), (calls[0][0], calls[1][1])] + calls[2:])))
    out += prose
    if calls:
        name, args = calls[0]
        idents = [k for k, v in args.items() if isinstance(v, str) and v.isidentifier()]
        if idents:
            text = f"{name}(" + ", ".join(f"{k}={v if k == idents[0] else repr(v)}" for k, v in args.items()) + ")"
            out.append(("bare_name_value", "[" + ", ".join([text] + [render_call(n, a) for n, a in calls[1:]]) + "]"))
    return out


__all__ = ["ARITHMETIC", "variants", "choose_args"]

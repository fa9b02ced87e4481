"""Demo predictions for ``inftool eval bfcl``: BFCL result files written from the ground truth.

Each entry's answer is its ground truth rendered in BFCL's Python call syntax
(first acceptable value per parameter, optional ones omitted), and a fixed,
seeded share of entries carries one deliberate mistake (a wrong value, a
dropped required parameter, an extra parameter, a wrong function name, a
missing call, or prose instead of a call), so the demo's table shows both
passes and each kind of failure. Relevance categories get a call or prose.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from inftool_jax.evaluate.bfcl_data import CATEGORIES, RELEVANCE, VERSION_PREFIX, load_category


def first_choice(options: Any) -> Any:
    """The first acceptable value that is not the "may be omitted" marker, or None to omit.

    Dict values in BFCL answers hold option lists per key (one level), so a
    chosen dict (or list of dicts) is resolved key by key.
    """
    if not isinstance(options, list):
        return options
    for o in options:
        if o != "":
            if type(o) is dict:
                return choose_args(o)
            if type(o) is list and o and all(type(x) is dict for x in o):
                return [choose_args(x) for x in o]
            return o
    return None


def choose_args(options: dict) -> dict:
    """One concrete argument dict from a ground-truth call's options."""
    out = {}
    for name, opts in options.items():
        if isinstance(opts, list) and opts and all(o == "" for o in opts):
            continue
        out[name] = first_choice(opts)
    return out


def render_call(name: str, args: dict) -> str:
    """``name(k=v, ...)`` with Python literals (repr), keyword arguments only."""
    return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"


def render_answer(calls: list[tuple[str, dict]]) -> str:
    return "[" + ", ".join(render_call(n, a) for n, a in calls) + "]"


def ground_truth_calls(ground_truth: list[dict]) -> list[tuple[str, dict]]:
    return [(name, choose_args(opts)) for call in ground_truth for name, opts in call.items()]


def _mistake(calls: list[tuple[str, dict]], functions: list[dict], rng: random.Random) -> str:
    kind = rng.choice(["value", "drop", "extra", "name", "count", "prose"])
    calls = [(n, dict(a)) for n, a in calls]
    name, args = calls[0]
    if kind == "value" and args:
        key = next(iter(args))
        v = args[key]
        args[key] = (v + "_x") if isinstance(v, str) else ([v, v] if isinstance(v, list) else "wrong")
    elif kind == "drop" and args:
        args.pop(next(iter(args)))
    elif kind == "extra":
        args["unexpected_param"] = 1
    elif kind == "name":
        calls[0] = (name + "_v2", args)
    elif kind == "count":
        calls = calls + [calls[0]]
    else:
        return "I am sorry, I cannot help with that."
    return render_answer(calls)


def demo_results(category: str, data_dir=None, mistake_rate: float = 0.2, seed: int = 0, limit: int | None = None) -> list[dict]:
    """``[{"id", "result"}]`` for one category: ground truth, some with a mistake."""
    rng = random.Random(f"{seed}:{category}")
    out = []
    for i, entry in enumerate(load_category(category, data_dir).values()):
        if limit is not None and i >= limit:
            break
        wrong = rng.random() < mistake_rate
        if category in RELEVANCE:
            should_call = category == "live_relevance"
            if wrong:
                should_call = not should_call
            if should_call and entry.functions:
                doc = entry.functions[0]
                req = (doc.get("parameters") or {}).get("required") or []
                text = render_answer([(doc["name"], {p: "x" for p in req})])
            else:
                text = "I cannot answer this with the tools I have."
        else:
            calls = ground_truth_calls(entry.ground_truth)
            text = _mistake(calls, entry.functions, rng) if wrong else render_answer(calls)
        out.append({"id": entry.id, "result": text})
    return out


def write_demo(out_dir: str | Path, categories=CATEGORIES, data_dir=None, mistake_rate: float = 0.2, seed: int = 0, limit: int | None = None) -> list[Path]:
    """Write ``<out_dir>/demo-model/BFCL_v4_<category>_result.json`` files (JSON Lines)."""
    root = Path(out_dir) / "demo-model"
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for category in categories:
        path = root / f"{VERSION_PREFIX}_{category}_result.json"
        rows = demo_results(category, data_dir, mistake_rate, seed, limit)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        paths.append(path)
    return paths

"""Random gated-reward cases for the agreement tests and the benchmark: targets plus near-miss attempts.

Deterministic given a seed. Each case starts from a correct answer to a random
target (single, parallel, multiple, no-call, clarification, multi-step with
execution outputs and state) and then gets a few random mutations aimed at
every gate and at BFCL's corner cases (standardised strings, int for float,
bool for int, optional parameters, unknown parameters, tuples, order).
"""

from __future__ import annotations

import random
from typing import Any

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.grading.reward_target import Attempt, RewardTarget, make_target

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"}, "detailed": {"type": "boolean"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "convert", "parameters": {"type": "object", "properties": {
        "amount": {"type": "number"}, "from_cur": {"type": "string"}, "to_cur": {"type": "string"},
        "round_to": {"type": "integer"}}, "required": ["amount", "from_cur", "to_cur"]}}},
    {"type": "function", "function": {"name": "tag_items", "parameters": {"type": "object", "properties": {
        "ids": {"type": "array", "items": {"type": "integer"}}, "labels": {"type": "array", "items": {"type": "string"}},
        "point": {"type": "tuple", "items": {"type": "float"}}, "note": {"type": "any"}}, "required": ["ids"]}}},
    {"type": "function", "function": {"name": "book", "parameters": {"type": "object", "properties": {
        "when": {"type": "string"}, "guests": {"type": "integer"}, "extras": {"type": "object"},
        "price": {"type": ["number", "null"]}}, "required": ["when"]}}},
    {"type": "function", "function": {"name": "plan_trip", "parameters": {"type": "object", "properties": {
        "stops": {"type": "array", "items": {"type": "object"}}, "prefs": {"type": "object"},
        "scores": {"type": "array", "items": {"type": "number"}}}, "required": ["stops"]}}},
]
PROPS = {t["function"]["name"]: t["function"]["parameters"]["properties"] for t in TOOLS}
REQUIRED = {t["function"]["name"]: t["function"]["parameters"]["required"] for t in TOOLS}
WORDS = ["NYC", "New York City", "Paris", "san-francisco", "EUR", "usd", "O'Hare", "2024-01-05", "celsius", "fahrenheit", "a b", "x.y"]


def _value(rng: random.Random, schema: dict) -> Any:
    t = schema["type"]
    t = t[0] if isinstance(t, list) else t
    if t in ("string", "any"):
        return rng.choice(WORDS)
    if t == "integer":
        return rng.randint(-2, 6)
    if t in ("number", "float"):
        return rng.choice([0.5, 1.0, 2.0, 2.5, 3, -1.25])
    if t == "boolean":
        return rng.random() < 0.5
    if t in ("array", "tuple"):
        item = schema["items"]["type"]
        return [_value(rng, {"type": item}) for _ in range(rng.randint(0, 3 if item != "object" else 2))]
    if t == "object":
        return {k: (rng.choice(WORDS) if k != "n" else rng.randint(0, 3)) for k in rng.sample(["k", "city", "n"], rng.randint(1, 3))}
    raise AssertionError(t)


def _dict_option(rng: random.Random, d: dict) -> dict:
    """BFCL possible-answer form of a dict: acceptable values per key, sometimes optional ("")."""
    out = {}
    for k, v in d.items():
        opts = [v] + ([_value(rng, {"type": "string"})] if rng.random() < 0.3 else [])
        if rng.random() < 0.3:
            opts.append("")
        out[k] = opts
    return out


def _variant(rng: random.Random, v: Any) -> Any:
    """A value BFCL may or may not accept in place of ``v``."""
    r = rng.random()
    if type(v) is dict:
        v = dict(v)
        if r < 0.3 and v:
            del v[rng.choice(list(v))]
        elif r < 0.5:
            v[rng.choice(["extra", "k", "n"])] = rng.choice(WORDS + [1, 2.0])
        elif v:
            k = rng.choice(list(v))
            v[k] = _variant(rng, v[k])
        return v
    if type(v) is list and v and all(type(x) is dict for x in v):
        if r < 0.3:
            return v[::-1]
        if r < 0.5:
            return v[:-1]
        i = rng.randrange(len(v))
        return v[:i] + [_variant(rng, v[i])] + v[i + 1 :]
    if type(v) is str:
        return rng.choice([v.upper(), v.replace(" ", "_"), v + ".", v.lower().replace("-", " "), v + "x", "'" + v + "'"])
    if type(v) is bool:
        return rng.choice([not v, int(v), str(v).lower()])
    if type(v) is int:
        return rng.choice([v + 1, float(v), str(v), bool(v % 2), v])
    if type(v) is float:
        return rng.choice([int(v), v + 0.5, str(v), v])
    if type(v) is list:
        if r < 0.3:
            return tuple(v)
        if r < 0.6 and v:
            return [_variant(rng, x) for x in v]
        return v[::-1] if len(v) > 1 else v + [v[0] if v else 1]
    return v


def random_target(rng: random.Random, max_calls: int = 5) -> RewardTarget:
    decision = rng.choices(["call", "no_call", "clarify"], [0.7, 0.15, 0.15])[0]
    if decision != "call":
        return make_target(decision, [], TOOLS)
    n = rng.choices([1, 2, 3, 4, 5, max_calls + 1], [0.4, 0.25, 0.15, 0.1, 0.06, 0.04])[0]
    parallel_name = rng.choice(list(PROPS))
    calls = []
    for _ in range(n):
        name = parallel_name if rng.random() < 0.5 else rng.choice(list(PROPS))
        args = {}
        for p, schema in PROPS[name].items():
            if p in REQUIRED[name] or rng.random() < (0.1 if schema["type"] == "object" else 0.5):
                k = rng.choices([1, 2, 3, 7], [0.5, 0.3, 0.15, 0.05])[0]
                opts = [_value(rng, schema) for _ in range(k)]
                if schema["type"] == "object":
                    opts = [_dict_option(rng, o) for o in opts]
                elif schema.get("items", {}).get("type") == "object":
                    opts = [[_dict_option(rng, d) for d in o] for o in opts]
                if p not in REQUIRED[name] and rng.random() < 0.5:
                    opts.append("")
                if rng.random() < 0.005:
                    opts = ["$var"]  # BFCL "variable" option
                args[p] = opts
        calls.append({"name": name, "arguments": args})
    results = state = None
    if rng.random() < 0.35:
        results = [rng.choice(["r0", "r1", '{"id": 1}', '{"id":1}']) for _ in calls]
        if rng.random() < 0.5:
            state = rng.choice(["s0", "s1"])
    return make_target("call", calls, TOOLS, results=results, state=state)


def _pick(rng: random.Random, option: Any) -> Any:
    """A concrete value from one acceptable value (dict options hold acceptable values per key)."""
    if isinstance(option, dict):
        picked = {k: rng.choice(v) for k, v in option.items()}
        return {k: v for k, v in picked.items() if v != ""}
    if isinstance(option, list) and option and all(isinstance(x, dict) for x in option):
        return [_pick(rng, x) for x in option]
    return option


def _answer(rng: random.Random, target: RewardTarget) -> list[Call]:
    calls = []
    for exp in target.calls:
        args = {}
        for p, opts in exp.arguments.items():
            choice = rng.choice(opts)
            if choice == "" and "" in opts:
                continue
            args[p] = _pick(rng, choice)
        calls.append(Call(exp.name, args))
    return calls


def random_attempt(rng: random.Random, target: RewardTarget) -> Attempt:
    calls = _answer(rng, target)
    content = ""
    results = list(target.results or [])
    state = target.state
    for _ in range(rng.choices([0, 1, 2, 3], [0.3, 0.35, 0.2, 0.15])[0]):
        m = rng.randrange(12)
        if m == 0:
            return Attempt(ParseResult(False, [], "", "bad json"))
        if m == 1 and calls:
            i = rng.randrange(len(calls))
            calls.pop(i)
            if i < len(results):
                results.pop(i)
        elif m == 2:
            name = rng.choice(list(PROPS))
            calls.append(Call(name, {p: _value(rng, PROPS[name][p]) for p in REQUIRED[name]}))
        elif m == 3 and calls:
            i = rng.randrange(len(calls))
            calls[i] = Call(rng.choice(list(PROPS) + ["nope"]), calls[i].arguments)
        elif m in (4, 5, 6) and calls:
            i = rng.randrange(len(calls))
            args = dict(calls[i].arguments)
            schema = PROPS.get(calls[i].name, {})
            p = rng.choice(list(schema) or ["x"])
            if p in args and rng.random() < 0.7:
                args[p] = _variant(rng, args[p])
            elif p in args:
                del args[p]
            elif p in schema:
                args[p] = _value(rng, schema[p])
            calls[i] = Call(calls[i].name, args)
        elif m == 7 and calls:
            i = rng.randrange(len(calls))
            calls[i] = Call(calls[i].name, {**calls[i].arguments, rng.choice(["extra", "city", "q"]): 1})
        elif m == 8:
            order = list(range(len(calls)))
            rng.shuffle(order)
            calls = [calls[i] for i in order]
            results = [results[i] if i < len(results) else None for i in order]
        elif m == 9:
            calls = []
            content = rng.choice(["Which city?", "It is sunny.", "Could you tell me the date?", ""])
        elif m == 10 and results:
            results[rng.randrange(len(results))] = rng.choice(["r0", "r1", "r2", None])
        elif m == 11:
            state = rng.choice(["s0", "s1", None])
    if not calls and not content and target.decision == "clarify" and rng.random() < 0.7:
        content = "Which date would you like?"
    return Attempt(ParseResult(True, calls, content), tuple(results), state)


def random_batch(seed: int, n_prompts: int, group_size: int) -> tuple[list[Attempt], list[RewardTarget]]:
    """``n_prompts`` targets, each with ``group_size`` attempts (prompt-major, as rollouts lay them out)."""
    rng = random.Random(seed)
    attempts, targets = [], []
    for _ in range(n_prompts):
        target = random_target(rng)
        for _ in range(group_size):
            attempts.append(random_attempt(rng, target))
            targets.append(target)
    return attempts, targets

"""Plan blueprints from the catalog: category, offered tools, ground-truth calls, persona.

Deterministic: blueprint ``i`` of a run depends only on the catalog, the
config and ``(seed, i)``, so a resumed run plans exactly what an
uninterrupted one would have.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from typing import Any

from inftool_jax.errors import InputError
from inftool_jax.synth.argument_values import (
    Spoken,
    effective_schema,
    humanize,
    is_complex,
    is_id_name,
    sample_value,
    schema_type,
)
from inftool_jax.synth.blueprint import Blueprint, PlannedCall, ResultRef, Step, UserTurn
from inftool_jax.synth.config import CATEGORIES, SynthConfig
from inftool_jax.synth.personas import PERSONA_NAMES
from inftool_jax.synth.tool_operations import classify
from inftool_jax.tools.chains import find_chains
from inftool_jax.tools.spec import ToolSpec

CHITCHAT = [
    "Tell me a joke about penguins.",
    "What is the capital of Australia?",
    "Write a short poem about autumn leaves.",
    "Explain how photosynthesis works in two sentences.",
    "Who wrote Pride and Prejudice?",
    "Translate 'good morning' into Italian.",
    "What's a good name for a golden retriever puppy?",
    "Summarize the plot of Hamlet.",
    "How many legs does a spider have?",
    "Give me three tips for sleeping better.",
    "What does the idiom 'break the ice' mean?",
    "Recommend a classic science fiction novel.",
    "Why is the sky blue?",
    "How do I boil an egg so the yolk stays soft?",
    "What's the difference between weather and climate?",
    "Suggest a fun team-building activity.",
]

_STOP = frozenset("the a an of for to and or in on by with from at is are be this that its it as your".split())


def _tokens(tool: ToolSpec) -> frozenset[str]:
    words = set(humanize(tool.name).split())
    words |= {w for w in re.findall(r"[a-z]+", tool.description.lower()) if len(w) > 2 and w not in _STOP}
    return frozenset(words)


class Planner:
    """Makes blueprint ``i`` of a run from the catalog's tools.

    ``source`` names the config for errors about categories the catalog cannot serve.
    """

    def __init__(self, tools: list[ToolSpec], config: SynthConfig, seed: int, source: str = "<config>"):
        if not tools:
            raise InputError(source, "specs", "the catalog has no tools to synthesize from")
        self.config = config
        self.seed = seed
        self.tools = {t.name: t for t in tools}
        self.names = sorted(self.tools)
        self.domains: dict[str, list[str]] = defaultdict(list)
        for name in self.names:
            self.domains[self.tools[name].domain or "default"].append(name)
        self.weights = [config.difficulty.complex_tool_weight if is_complex(self.tools[n].parameters) else 1.0 for n in self.names]
        self._tokens = {n: _tokens(self.tools[n]) for n in self.names}
        self._similar: dict[str, list[str]] = {}
        self.parallel_tools = [n for n in self.names if self._vary_param(self.tools[n]) is not None]
        self.clarify_tools = [n for n in self.names if self._required_params(self.tools[n])]
        self.chains = self._find_chains()
        self.chain_tools = sorted({a for a, _, _ in self.chains})
        mix = config.categories.model_dump()
        self.unavailable = self._unavailable()
        for cat in CATEGORIES:
            if mix[cat] > 0 and cat in self.unavailable:
                raise InputError(source, f"synth.categories.{cat}", self.unavailable[cat] + " (set its weight to 0)")
        self.categories = [c for c in CATEGORIES if mix[c] > 0]
        total = sum(mix[c] for c in self.categories)
        self.category_weights = [mix[c] / total for c in self.categories]

    # ---- catalog analysis -------------------------------------------------

    def _unavailable(self) -> dict[str, str]:
        why = {}
        if not self.parallel_tools:
            why["parallel"] = "no tool has a required parameter that can take several values"
        if len(self.names) < 2:
            why["multiple"] = "needs at least 2 tools in the catalog"
            why["parallel_multiple"] = why["multiple"]
        if not self.clarify_tools:
            why["clarification"] = "no tool has a required parameter to ask about"
        if not self.chains:
            why["multi_step"] = "no chain in the catalog: no tool's response field is another tool's input parameter"
        return why

    def _find_chains(self) -> list[tuple[str, str, str]]:
        """(A, B, key): A's response has field ``key``, B requires ``key``; creating producers preferred."""
        chains = [(c.producer, c.consumer, c.field) for c in find_chains([self.tools[n] for n in self.names])]
        ids = [c for c in chains if is_id_name(c[2])] or chains
        # a producer that creates the record whose id it returns makes a chain the simulator can honour
        makers = [c for c in ids if (op := classify(self.tools[c[0]])).kind == "create" and op.id_field == c[2]]
        return sorted(set(makers or ids))

    @staticmethod
    def _required_params(tool: ToolSpec) -> list[str]:
        props = tool.parameters.get("properties") or {}
        return [p for p in tool.parameters.get("required") or [] if p in props and schema_type(effective_schema(props[p])) in ("string", "integer", "number")]

    @staticmethod
    def _vary_param(tool: ToolSpec) -> str | None:
        props = tool.parameters.get("properties") or {}
        for p in tool.parameters.get("required") or []:
            sub = effective_schema(props.get(p) or {})
            t = schema_type(sub)
            if t in ("string", "integer", "number") and (not sub.get("enum") or len(sub["enum"]) >= 2):
                return p
        return None

    def similar(self, name: str) -> list[str]:
        """Other tools ranked by word overlap of names and descriptions (most similar first)."""
        if name not in self._similar:
            mine = self._tokens[name]
            scored = []
            for other in self.names:
                if other == name:
                    continue
                theirs = self._tokens[other]
                union = len(mine | theirs) or 1
                scored.append((-len(mine & theirs) / union, other))
            scored.sort()
            self._similar[name] = [o for _, o in scored]
        return self._similar[name]

    # ---- building blocks --------------------------------------------------

    def _pick(self, rng: random.Random, pool: list[str] | None = None, exclude: set[str] = frozenset()) -> str:
        if pool is None:
            cands, weights = self.names, self.weights
        else:
            idx = {n: i for i, n in enumerate(self.names)}
            cands = pool
            weights = [self.weights[idx[n]] for n in pool]
        pairs = [(c, w) for c, w in zip(cands, weights) if c not in exclude]
        if not pairs:
            pairs = list(zip(cands, weights))
        return rng.choices([c for c, _ in pairs], weights=[w for _, w in pairs])[0]

    def make_call(self, name: str, rng: random.Random, fixed: dict[str, Spoken | ResultRef] | None = None) -> PlannedCall:
        """A ground-truth call of ``name``: required values always, optional ones by chance."""
        tool = self.tools[name]
        props = tool.parameters.get("properties") or {}
        required = set(tool.parameters.get("required") or [])
        args: dict[str, Spoken | ResultRef] = {}
        omitted: dict[str, list[Any]] = {}
        d = self.config.difficulty
        for p, sub in props.items():
            if fixed and p in fixed:
                args[p] = fixed[p]
            elif p in required or rng.random() < d.optional_param_prob:
                args[p] = sample_value(p, sub if isinstance(sub, dict) else {}, rng, d.varied_format_prob)
            else:
                default = sub.get("default") if isinstance(sub, dict) else None
                omitted[p] = ([default] if default is not None else []) + [""]
        return PlannedCall(name, args, omitted)

    def _offer(self, rng: random.Random, targets: list[str], count: int) -> list[str]:
        """``targets`` plus distractors (similar ones by chance) up to ``count`` tools, shuffled."""
        d = self.config.difficulty
        if rng.random() < d.long_list_prob:
            count = max(count, d.long_list_size)
        count = min(count, len(self.names))
        offered = list(dict.fromkeys(targets))
        while len(offered) < count:
            if rng.random() < d.similar_distractor_prob:
                anchor = rng.choice(targets)
                cand = next((o for o in self.similar(anchor) if o not in offered), None)
            else:
                rest = [n for n in self.names if n not in offered]
                cand = rng.choice(rest) if rest else None
            if cand is None:
                break
            offered.append(cand)
        rng.shuffle(offered)
        return offered

    # ---- categories -------------------------------------------------------

    def plan(self, index: int) -> Blueprint:
        """Blueprint ``index`` of this run."""
        rng = random.Random(f"{self.seed}:{index}")
        category = rng.choices(self.categories, weights=self.category_weights)[0]
        turns, offered = getattr(self, f"_plan_{category}")(rng)
        return Blueprint(
            index=index,
            seed=self.seed,
            category=category,
            offered=offered,
            turns=turns,
            persona=rng.choice(PERSONA_NAMES),
            difficulty={"tools_offered": len(offered)},
        )

    def _n_single(self) -> int:
        return 1 + self.config.difficulty.single_distractors

    def _n_multi(self, rng: random.Random, minimum: int) -> int:
        d = self.config.difficulty
        return max(minimum, rng.randint(d.tools_offered_min, d.tools_offered_max))

    def _plan_single(self, rng):
        name = self._pick(rng)
        call = self.make_call(name, rng)
        turns = [UserTurn("request", [Step("call", [call]), Step("answer")], describes=[call])]
        return turns, self._offer(rng, [name], self._n_single())

    def _plan_parallel(self, rng):
        name = self._pick(rng, self.parallel_tools)
        tool = self.tools[name]
        vary = self._vary_param(tool)
        d = self.config.difficulty
        n = rng.randint(d.parallel_min, d.parallel_max)
        sub = (tool.parameters.get("properties") or {})[vary]
        enum = effective_schema(sub).get("enum")
        if enum:
            n = min(n, len(enum))
        base = self.make_call(name, rng)
        calls: list[PlannedCall] = []
        seen: list[Any] = []
        for _ in range(n * 4):
            if len(calls) == n:
                break
            value = sample_value(vary, sub, rng, d.varied_format_prob)
            if value.value in seen:
                continue
            seen.append(value.value)
            calls.append(PlannedCall(name, {**base.args, vary: value}, dict(base.omitted)))
        turns = [UserTurn("request", [Step("call", calls), Step("answer")], describes=calls)]
        return turns, self._offer(rng, [name], self._n_single())

    def _plan_multiple(self, rng):
        name = self._pick(rng)
        call = self.make_call(name, rng)
        turns = [UserTurn("request", [Step("call", [call]), Step("answer")], describes=[call])]
        return turns, self._offer(rng, [name], self._n_multi(rng, 2))

    def _plan_parallel_multiple(self, rng):
        k = rng.randint(2, min(3, len(self.names)))
        targets: list[str] = []
        while len(targets) < k:
            targets.append(self._pick(rng, exclude=set(targets)))
        calls = []
        for name in targets:
            for _ in range(rng.choice([1, 1, 2])):
                calls.append(self.make_call(name, rng))
        turns = [UserTurn("request", [Step("call", calls), Step("answer")], describes=calls)]
        return turns, self._offer(rng, targets, self._n_multi(rng, k))

    def _plan_no_call(self, rng):
        anchor = self._pick(rng)
        offered = self._offer(rng, [anchor], self._n_multi(rng, 1))
        offered_domains = {self.tools[n].domain for n in offered}
        offered_tokens = set().union(*(set(humanize(n).split()) for n in offered))
        foreign = [
            n for n in self.names
            if n not in offered and self.tools[n].domain not in offered_domains
            and not (set(humanize(n).split()) & offered_tokens - {"get", "list", "create", "update", "delete", "search"})
        ]
        if foreign and rng.random() < 0.6:
            other = rng.choice(foreign)
            turn = UserTurn("unserved", [Step("no_call")], unserved_call=self.make_call(other, rng))
        else:
            turn = UserTurn("unserved", [Step("no_call")], unserved_text=rng.choice(CHITCHAT))
        return [turn], offered

    def _plan_clarification(self, rng):
        name = self._pick(rng, self.clarify_tools)
        call = self.make_call(name, rng)
        withheld = rng.choice(self._required_params(self.tools[name]))
        turns = [
            UserTurn("clarify_request", [Step("clarify", ask=withheld)], describes=[call], withheld=withheld),
            UserTurn("answer_clarification", [Step("call", [call]), Step("answer")], describes=[call], withheld=withheld),
        ]
        return turns, self._offer(rng, [name], self._n_single())

    def _chain_calls(self, rng) -> tuple[PlannedCall, PlannedCall]:
        a, b, key = rng.choice(self.chains)
        first = self.make_call(a, rng)
        second = self.make_call(b, rng, fixed={key: ResultRef(key, a)})
        return first, second

    def _plan_multi_step(self, rng):
        first, second = self._chain_calls(rng)
        turns = [
            UserTurn(
                "request",
                [Step("call", [first]), Step("call", [second]), Step("answer")],
                describes=[first, second],
            )
        ]
        return turns, self._offer(rng, [first.tool, second.tool], self._n_single() + 1)

    def _plan_multi_turn(self, rng):
        n_turns = rng.randint(2, self.config.difficulty.multi_turn_max_turns)
        turns: list[UserTurn] = []
        targets: list[str] = []
        if self.chains and rng.random() < 0.7:
            first, second = self._chain_calls(rng)
            turns.append(UserTurn("request", [Step("call", [first]), Step("answer")], describes=[first]))
            turns.append(UserTurn("followup", [Step("call", [second]), Step("answer")], describes=[second]))
            targets += [first.tool, second.tool]
        else:
            name = self._pick(rng)
            call = self.make_call(name, rng)
            turns.append(UserTurn("request", [Step("call", [call]), Step("answer")], describes=[call]))
            targets.append(name)
        domain = self.tools[targets[0]].domain or "default"
        while len(turns) < n_turns:
            name = self._pick(rng, self.domains[domain])
            call = self.make_call(name, rng)
            turns.append(UserTurn("followup", [Step("call", [call]), Step("answer")], describes=[call]))
            targets.append(name)
        return turns, self._offer(rng, list(dict.fromkeys(targets)), len(set(targets)) + self.config.difficulty.single_distractors)

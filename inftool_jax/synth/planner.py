"""Plan blueprints from the catalog: category, offered tools, ground-truth calls, persona.

Deterministic: blueprint ``i`` of a run depends only on the catalog, the
config and ``(seed, i)``, so a resumed run plans exactly what an
uninterrupted one would have.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from inftool_jax.errors import InputError
from jsonschema import Draft202012Validator

from inftool_jax.synth.user.argument_values import Spoken, humanize, is_id_name, order_related, sample_value
from inftool_jax.synth.blueprint import Blueprint, PlannedCall, ResultRef, Step, UserTurn
from inftool_jax.synth.config import CATEGORIES, SynthConfig
from inftool_jax.synth.user.personas import PERSONA_NAMES
from inftool_jax.tools.chains import find_chains
from inftool_jax.tools.schema_helpers import effective_schema, is_complex, schema_type
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.world.ordering import related_keys
from inftool_jax.world.resource_model import build_model, path_params, resource_chains
from inftool_jax.world.schema_formats import FORMAT_CHECKER
from inftool_jax.world.tool_operations import classify

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

# Vetted chains per (catalog, difficulty): planners are cheap to make again (tests, resumes).
_VETTED: dict[str, list[tuple[str, str, str]]] = {}



@dataclass(frozen=True)
class Focus:
    """What a blueprint must keep from a case it was seeded by: its category and (as far as it can) its tools.

    Everything else (values, persona, phrasing, distractors, difficulty) is drawn as usual; the loop's
    error-driven expansion seeds new blueprints from failed cases this way.
    """

    category: str
    tools: tuple[str, ...]


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
        self._ops = {n: classify(self.tools[n]) for n in self.names}
        # the thing a tool acts on: create_project(name) names a project
        self._owner = {n: self._ops[n].resource.split("_")[-1] for n in self.names}
        self._similar: dict[str, list[str]] = {}
        # OpenAPI path variables ({owner}, {task}) name records: their values are identifiers.
        self._in_path = {n: path_params(self.tools[n]) for n in self.names}
        self._model = build_model(tools)
        self._chain_field: dict[tuple[str, str, str], str] = {}
        """(A, B, arg) -> the field of A's result that B's ``arg`` takes (``number`` for ``issue_number``)."""
        self.parallel_tools = [n for n in self.names if self._vary_param(self.tools[n]) is not None]
        self.clarify_tools = [n for n in self.names if self._required_params(self.tools[n])]
        self.chains = self._find_chains()
        self.chain_families: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for chain in self.chains:
            self.chain_families[self.chain_family(chain)].append(chain)
        mix = config.categories.model_dump()
        self.unavailable = self._unavailable()
        # A category the catalog cannot serve (no chain, too few tools) is left out of the mix, not fatal: a
        # single real API rarely serves all eight. The run records what was dropped and why.
        self.dropped_categories = {c: self.unavailable[c] for c in CATEGORIES if mix[c] > 0 and c in self.unavailable}
        self.categories = [c for c in CATEGORIES if mix[c] > 0 and c not in self.dropped_categories]
        if not self.categories:
            first = next(iter(self.dropped_categories))
            raise InputError(source, f"synth.categories.{first}", "the catalog can serve none of the categories asked for: "
                             + "; ".join(f"{c}: {why}" for c, why in self.dropped_categories.items()))
        total = sum(mix[c] for c in self.categories)
        self.category_weights = [mix[c] / total for c in self.categories]
        self.focus: list[Focus] = []
        """When set, blueprint ``i`` keeps ``focus[i % len(focus)]`` (see :class:`Focus`)."""
        self._focus_pool: list[str] | None = None

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
        """(A, B, key): B requires ``key``, the id of a record A creates or lists, and the simulator honours it.

        Two sources of ids: a tool that creates the record (``create_order`` ->
        ``get_order(order_id)``) and a search/list tool whose items carry their
        ids (``search_flights`` -> ``book_flight(flight_id)``). Each candidate is
        run against the tool simulator a few times (first call, id read from its
        result the way role-play reads it, second call); only chains that work
        every time are planned, so multi-step episodes do not die in execution.
        """
        specs = [self.tools[n] for n in self.names]
        structured = resource_chains(specs, self._model)
        for c in structured:
            self._chain_field[(c.producer, c.consumer, c.arg)] = c.field
        candidates = [(c.producer, c.consumer, c.arg) for c in structured]
        # Same-name id fields (book_flight takes a listed flight_id) pair tools only within one API (one
        # source file): a petstore id never feeds another API's id.
        named = [(c.producer, c.consumer, c.field) for c in find_chains(specs)]
        for a, b, key in sorted(set(named)):
            op = self._ops[a]
            if not is_id_name(key) or self.tools[a].source != self.tools[b].source:
                continue
            made = op.kind == "create" and op.id_field == key
            # a listed item's own id, not an id the search was filtered by
            listed = op.kind == "list" and key not in (self.tools[a].parameters.get("properties") or {})
            if (made or listed) and (a, b, key) not in candidates:
                candidates.append((a, b, key))
        if not candidates:
            return []
        involved = sorted({n for a, b, _ in candidates for n in (a, b)})
        key = json.dumps(
            [[self.tools[n].name, self.tools[n].parameters, self.tools[n].response] for n in involved]
            + [self.config.difficulty.model_dump(mode="json"), sorted(self._chain_field.items())],
            sort_keys=True, default=str,
        )
        if key not in _VETTED:  # vetting runs the simulator: do it once per catalog and difficulty
            from inftool_jax.world.simulator import ToolSimulator

            sim = ToolSimulator([self.tools[n] for n in involved], seed=0)
            if len(_VETTED) >= 16:
                _VETTED.pop(next(iter(_VETTED)))
            _VETTED[key] = [c for c in candidates if self._chain_runs(sim, *c)]
        return list(_VETTED[key])

    def _chain_runs(self, sim, a: str, b: str, key: str, trials: int = 8) -> bool:
        """Whether chain (a, b, key) executes on the simulator: both calls succeed, the id is found."""
        from inftool_jax.synth.roleplay import EpisodeFailed, resolve_ref

        for i in range(trials):
            rng = random.Random(f"chain-probe:{a}:{b}:{i}")
            first, second = self._chain_pair(rng, a, b, key)
            sim.reset(i)
            result = sim.call(a, {k: v.value for k, v in first.args.items()})
            if not result.ok:
                return False
            try:
                ref = resolve_ref(second.args[key], [{"role": "tool", "name": a, "content": result.to_text()}])  # type: ignore[arg-type]
            except EpisodeFailed:
                return False
            args = {k: (ref if isinstance(v, ResultRef) else v.value) for k, v in second.args.items()}
            if not sim.call(b, args).ok:
                return False
        return True

    def chain_family(self, chain: tuple[str, str, str]) -> str:
        """How a chain gets its id: ``make_then_use`` (create_order -> get_order), ``search_then_create``
        (search_flights -> book_flight, search_hotels -> book_hotel) or ``search_then_act``
        (search_emails -> reply_to_email)."""
        a, b, _ = chain
        if self._ops[a].kind == "create":
            return "make_then_use"
        return "search_then_create" if self._ops[b].kind == "create" else "search_then_act"

    @staticmethod
    def _required_params(tool: ToolSpec) -> list[str]:
        props = tool.parameters.get("properties") or {}
        return [p for p in tool.parameters.get("required") or [] if p in props and schema_type(effective_schema(props[p])) in ("string", "integer", "number")]

    @staticmethod
    def _vary_param(tool: ToolSpec) -> str | None:
        """The required parameter a parallel episode varies; one without an ordered sibling when possible
        (varying check_in alone would put some check-ins after the check-out)."""
        props = tool.parameters.get("properties") or {}
        tied = related_keys(list(props))
        fits = []
        for p in tool.parameters.get("required") or []:
            sub = effective_schema(props.get(p) or {})
            t = schema_type(sub)
            if t in ("string", "integer", "number") and (not sub.get("enum") or len(sub["enum"]) >= 2):
                fits.append(p)
        free = [p for p in fits if p not in tied]
        return (free or fits or [None])[0]

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
        if self._focus_pool:  # a focused blueprint keeps its case's tools where the category allows them
            kept = [n for n in self._focus_pool if (pool is None or n in pool) and n not in exclude]
            if kept:
                pool = kept
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
        """A ground-truth call of ``name``: required values always, optional ones by chance.

        Related values are kept consistent (check-out after check-in, max >= min,
        origin != destination; see :func:`order_related`); ``fixed`` values are kept as given.
        """
        tool = self.tools[name]
        props = tool.parameters.get("properties") or {}
        required = set(tool.parameters.get("required") or [])
        args: dict[str, Spoken | ResultRef] = {}
        omitted: dict[str, list[Any]] = {}
        d = self.config.difficulty
        owner = self._owner[name]
        for p, sub in props.items():
            if fixed and p in fixed:
                args[p] = fixed[p]
            elif p in required or rng.random() < d.optional_param_prob:
                args[p] = sample_value(p, sub if isinstance(sub, dict) else {}, rng, d.varied_format_prob, owner=owner, in_path=p in self._in_path[name])
            else:
                default = sub.get("default") if isinstance(sub, dict) else None
                omitted[p] = ([default] if default is not None else []) + [""]
        order_related(args, props, rng, d.varied_format_prob, frozen=set(fixed or ()))
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
        focus = self.focus[index % len(self.focus)] if self.focus else None
        if focus is not None:
            if focus.category not in CATEGORIES or focus.category in self.unavailable:
                raise ValueError(f"focus category {focus.category!r} cannot be planned from this catalog")
            category = focus.category
            self._focus_pool = [t for t in focus.tools if t in self.tools] or None
        try:
            turns, offered = getattr(self, f"_plan_{category}")(rng)
        finally:
            self._focus_pool = None
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
        props = tool.parameters.get("properties") or {}
        tied = related_keys(list(base.args))
        calls: list[PlannedCall] = []
        seen: list[Any] = []
        for _ in range(n * 4):
            if len(calls) == n:
                break
            args = {**base.args, vary: sample_value(vary, sub, rng, d.varied_format_prob, owner=self._owner[name])}
            if vary in tied:  # its sibling follows it (end after each start), or it is redrawn after the sibling
                order_related(args, props, rng, d.varied_format_prob)
            if args[vary].value in seen:
                continue
            seen.append(args[vary].value)
            calls.append(PlannedCall(name, args, dict(base.omitted)))
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
        # Families first, so the few search -> book chains are not drowned by many create -> use ones.
        if self._focus_pool:
            focused = [c for c in self.chains if c[0] in self._focus_pool or c[1] in self._focus_pool]
            if focused:
                return self._chain_pair(rng, *rng.choice(focused))
        family = rng.choice(sorted(self.chain_families))
        return self._chain_pair(rng, *rng.choice(self.chain_families[family]))

    def _chain_pair(self, rng, a: str, b: str, key: str) -> tuple[PlannedCall, PlannedCall]:
        """The two calls of chain (a, b, key); the second's ``key`` is a reference to the first's result.

        After a search, the reference is to the first item found, and a booking
        takes over the search's own values it shares (same check-in and check-out,
        same city): "book the first hotel you found for those dates".
        """
        first = self.make_call(a, rng)
        searched = self._ops[a].kind == "list" or self._model.get(a) is not None and self._model[a].kind == "list"
        fixed: dict[str, Spoken | ResultRef] = {key: ResultRef(self._chain_field.get((a, b, key), key), a, "first" if searched else "")}
        # The same parent record both times: issues_get takes the owner/repo the issue was created in.
        for p in self._in_path[a] & self._in_path[b]:
            if p != key and isinstance(first.args.get(p), Spoken):
                fixed[p] = first.args[p]
        if searched and self._ops[b].kind == "create":
            props = self.tools[b].parameters.get("properties") or {}
            d = self.config.difficulty
            for p, value in first.args.items():
                if p not in props or p == key or not isinstance(value, Spoken):
                    continue
                sub = effective_schema(props[p]) if isinstance(props[p], dict) else {}
                if self._accepts(b, p, value.value):
                    fixed[p] = value
                elif isinstance(value.value, int) and schema_type(sub) == "array":
                    # searched for 2 passengers: book 2 passengers
                    sized = {**sub, "minItems": value.value, "maxItems": value.value}
                    many = sample_value(p, sized, rng, d.varied_format_prob, owner=self._owner[b])
                    if len(many.value) == value.value and self._accepts(b, p, many.value):
                        fixed[p] = many
        second = self.make_call(b, rng, fixed=fixed)
        return first, second

    def _accepts(self, tool: str, param: str, value: Any) -> bool:
        schema = (self.tools[tool].parameters.get("properties") or {}).get(param)
        if not isinstance(schema, dict):
            return False
        return Draft202012Validator(schema, format_checker=FORMAT_CHECKER).is_valid(value)

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

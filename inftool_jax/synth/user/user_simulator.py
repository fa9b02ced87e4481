"""The programmatic User Simulator: writes the user's messages from a blueprint.

Requests are derived from the tool's description (or name) and its parameter
names; every stated value is written into the text, so the grounding gate can
find it. Phrasing varies by persona, request frame and argument style, seeded
per (run seed, blueprint index, turn).
"""

from __future__ import annotations

import random
import re
from typing import Any

from inftool_jax.synth.user.argument_values import Spoken, humanize, join_words
from inftool_jax.synth.blueprint import Blueprint, PlannedCall, ResultRef, UserTurn
from inftool_jax.synth.user.personas import PERSONAS, Persona
from inftool_jax.tools.spec import ToolSpec

_THIRD_PERSON_ES = ("ches", "shes", "sses", "xes", "zes")


def _base_verb(word: str) -> str:
    """``Returns`` -> ``return``, ``Searches`` -> ``search``; other words unchanged (lower-cased)."""
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(_THIRD_PERSON_ES):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


def action_phrases(tool: ToolSpec) -> list[str]:
    """Verb phrases for what a tool does: from its description's first sentence, and from its name."""
    out = []
    desc = (tool.description or "").strip()
    if desc:
        first = re.split(r"(?<=[.!?])\s|\n|;| - | — ", desc, maxsplit=1)[0].strip().rstrip(".!?:")
        words = first.split()
        if 1 < len(words) <= 16:
            head = words[0]
            words[0] = _base_verb(head) if not head.isupper() else head
            out.append(" ".join(words))
    out.append(humanize(tool.name))
    return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _lc(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym ("ASAP", "API")."""
    if text[1:2].isupper() or text[:2] in ("I ", "I'"):
        return text
    return text[:1].lower() + text[1:]


# How a user points at an id they never saw: one made earlier, or the first item a search found.
_MADE_REFS = ("the {key} from the first step", "the {key} that comes back", "the new {noun}'s id")
_MADE_FOLLOWUP = ("that {noun}", "the {noun} you just created", "that same {noun}")
_FOUND_REFS = ("the first {noun} in the results", "the first {noun} it finds", "the top {noun} from that search")
_FOUND_FOLLOWUP = ("the first {noun} you found", "the first {noun} in those results", "the top {noun} you found")


def _ref_text(ref: ResultRef, followup: bool, rng: random.Random) -> str:
    key = humanize(ref.key)
    noun = key[:-3] if key.endswith(" id") else key
    if ref.pick == "first":
        frames = _FOUND_FOLLOWUP if followup else _FOUND_REFS
    else:
        frames = _MADE_FOLLOWUP if followup else _MADE_REFS
    return rng.choice(frames).format(key=key, noun=noun)


class ProgrammaticUser:
    """Template-based user; deterministic for (run seed, blueprint index, turn index)."""

    name = "programmatic"

    def __init__(self, tools: dict[str, ToolSpec]):
        self.tools = tools
        self._actions: dict[str, list[str]] = {}

    def _action(self, tool: str, rng: random.Random) -> str:
        if tool not in self._actions:
            self._actions[tool] = action_phrases(self.tools[tool])
        return rng.choice(self._actions[tool])

    def _arg_text(self, name: str, value: Spoken | ResultRef, style: str, followup: bool, rng: random.Random) -> str:
        param = humanize(name)
        if isinstance(value, ResultRef):
            text = _ref_text(value, followup, rng)
            if style == "sentence":
                return f"The {param} should be {text}."
            return f"the {param} is {text}" if style == "where" else text
        text = value.text
        if style == "colon":
            return f"{param}: {text}"
        if style == "equals":
            return f"{param}={text}"
        if style == "where":
            return f"the {param} is {text}"
        if style == "sentence":
            return f"The {param} should be {text}."
        if style == "with":
            return f"{param} {text}"
        return f"the {param} {text}"

    def _args_clause(self, args: dict[str, Any], style: str, followup: bool, rng: random.Random) -> str:
        if not args:
            return ""
        parts = [self._arg_text(k, v, style, followup, rng) for k, v in args.items()]
        if style == "sentence":
            return " " + " ".join(parts)
        if style == "colon":
            return " (" + "; ".join(parts) + ")"
        if style == "equals":
            return " with " + ", ".join(parts)
        if style == "where":
            return ", where " + join_words(parts)
        if style == "with":
            return " with " + join_words(parts)
        return " for " + join_words(parts)

    def _ask(self, persona: Persona, rng: random.Random, call: PlannedCall, skip: str = "", followup: bool = False) -> str:
        action = self._action(call.tool, rng)
        frame = rng.choice(persona.asks)
        args = {k: v for k, v in call.args.items() if k != skip}
        style = rng.choice(persona.arg_styles)
        clause = self._args_clause(args, style, followup, rng)
        # the argument clause goes after the verb phrase, before the frame's closing punctuation
        if style == "sentence":
            return frame.replace("{action}", action).replace("{Action}", _cap(action)) + clause
        return frame.replace("{action}", action + clause).replace("{Action}", _cap(action) + clause)

    def _parallel(self, persona: Persona, rng: random.Random, calls: list[PlannedCall]) -> str:
        varying = [k for k in calls[0].args if len({repr(c.args[k].value) if isinstance(c.args[k], Spoken) else k for c in calls}) > 1]
        if len(varying) == 1 and rng.random() < 0.6:
            vary = varying[0]
            shared = PlannedCall(calls[0].tool, {k: v for k, v in calls[0].args.items() if k != vary})
            head = self._ask(persona, rng, shared)
            values = join_words([c.args[vary].text for c in calls])
            return f"{head} Do it for each of these {humanize(vary)} values: {values}."
        items = [f"{i + 1}. {self._ask(persona, rng, c)}" for i, c in enumerate(calls)]
        return f"I have {len(calls)} requests:\n" + "\n".join(items)

    def _sequence(self, persona: Persona, rng: random.Random, calls: list[PlannedCall]) -> str:
        parts = [self._ask(persona, rng, calls[0])]
        for c in calls[1:]:
            connector = rng.choice(["Also,", "And", "Additionally,", "On top of that,", "Plus,"])
            parts.append(f"{connector} {_lc(self._ask(persona, rng, c))}")
        return " ".join(parts)

    def say(self, blueprint: Blueprint, turn_index: int, messages: list[dict[str, Any]]) -> str:
        """The user's message for turn ``turn_index`` of ``blueprint``."""
        rng = random.Random(f"user:{blueprint.seed}:{blueprint.index}:{turn_index}")
        persona = PERSONAS[blueprint.persona]
        turn: UserTurn = blueprint.turns[turn_index]
        if turn.kind == "answer_clarification":
            value = turn.describes[0].args[turn.withheld]
            return rng.choice(persona.answers).format(value=value.text, param=humanize(turn.withheld))
        if turn.kind == "unserved":
            body = self._ask(persona, rng, turn.unserved_call) if turn.unserved_call else turn.unserved_text
        elif turn.kind == "clarify_request":
            body = self._ask(persona, rng, turn.describes[0], skip=turn.withheld)
        elif turn.kind == "followup":
            lead = rng.choice(["Now", "Next,", "Great. Now", "Thanks! Also,", "OK, then", "One more thing:"])
            body = f"{lead} {_lc(self._ask(persona, rng, turn.describes[0], followup=True))}"
        elif len(turn.steps) > 2:  # a chain: several call steps, one after another
            first, second = turn.describes[0], turn.describes[1]
            body = f"First, {_lc(self._ask(persona, rng, first))} Then {_lc(self._ask(persona, rng, second))}"
        elif len(turn.describes) > 1 and len({c.tool for c in turn.describes}) == 1:
            body = self._parallel(persona, rng, turn.describes)
        elif len(turn.describes) > 1:
            body = self._sequence(persona, rng, turn.describes)
        else:
            body = self._ask(persona, rng, turn.describes[0])
        if turn_index == 0:
            opener = rng.choice(persona.openers)
            body = f"{opener} {body}" if opener else body
        closer = rng.choice(persona.closers)
        return f"{body} {closer}" if closer else body


def make_programmatic_user(ctx) -> ProgrammaticUser:
    """Backend factory (see backends.py)."""
    return ProgrammaticUser(ctx.tools)

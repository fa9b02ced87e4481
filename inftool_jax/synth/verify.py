"""Verification gates: an episode is kept only if it passes every switched-on gate.

Gates, in order, each failure recorded as ``{"gate", "detail"}``:

- ``execution``: every call the assistant made ran without a tool error
  (a chain whose id was not found, an invalid call the simulator refused).
- ``schema_valid``: every call names an offered tool and its arguments are a
  JSON object that validates against that tool's JSON Schema.
- ``grounded``: every argument value is in, or derivable from, the user's words
  or an earlier tool result (see :mod:`grounding`).
- ``plausible``: every argument value looks like what its parameter's name, description
  and format say (identifiers without spaces, whole ids and counts, parseable
  date-times, coordinates and percentages in range, amounts not below zero; see
  :mod:`~inftool_jax.world.plausibility`).
- ``plan_match``: each assistant message matches its ground-truth turn: calls
  through the BFCL checker (order-free, optimal matching), no call for
  ``no_call``/``clarify`` turns.
- ``judge``: the judge backend's verdict (off by default).
- ``near_duplicate``: MinHash/LSH against the episodes kept so far (stateful:
  only checked when all other gates pass, and only kept episodes are indexed).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from inftool_jax.calls.openai_format import parse_openai_tool_calls
from inftool_jax.grading.bfcl_checker import check_prepared, prepare
from inftool_jax.synth.episode import turn_to_bfcl_answer
from inftool_jax.synth.grounding import Evidence, TextFacts, ungrounded
from inftool_jax.synth.near_duplicate import MinHashLSH, fingerprint_text
from inftool_jax.world.plausibility import implausible_arguments
from inftool_jax.world.schema_formats import FORMAT_CHECKER

GATES = ("execution", "schema_valid", "grounded", "plausible", "plan_match", "judge", "near_duplicate")


def _reason(gate: str, detail: str) -> dict[str, str]:
    return {"gate": gate, "detail": detail[:500]}


class Verifier:
    """Checks episodes against the gates switched on in ``config.verification``."""

    def __init__(self, config: Any, judge: Any = None):
        self.v = config.verification
        self.judge = judge if config.backends.judge != "none" else None
        self._validators: dict[str, tuple[dict[str, Any], Draft202012Validator]] = {}
        self.index = MinHashLSH(self.v.minhash_permutations, self.v.lsh_bands, self.v.near_duplicate_threshold)

    def _validator(self, name: str, schema: dict[str, Any]) -> Draft202012Validator:
        cached = self._validators.get(name)
        if cached is not None and (cached[0] is schema or cached[0] == schema):
            return cached[1]
        validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
        self._validators[name] = (schema, validator)
        return validator

    # ---- stateless gates ---------------------------------------------------

    def check(self, episode: dict[str, Any]) -> list[dict[str, str]]:
        """Reasons the episode fails the stateless gates (empty: it passes them)."""
        reasons: list[dict[str, str]] = []
        tools = {t["function"]["name"]: t["function"] for t in episode.get("tools", [])}
        messages = episode.get("messages", [])
        if self.v.execution:
            for err in episode.get("meta", {}).get("tool_errors", []):
                reasons.append(_reason("execution", f"message {err['message_index']}: {err['tool']}: {err['error']}"))
        user_facts: list[TextFacts] = []
        tool_facts: list[TextFacts] = []
        for index, msg in enumerate(messages):
            role = msg.get("role")
            if role == "user":
                if self.v.grounded:
                    user_facts.append(TextFacts(str(msg.get("content") or "")))
            elif role == "tool":
                if self.v.grounded:
                    tool_facts.append(TextFacts(str(msg.get("content") or "")))
            elif role == "assistant" and msg.get("tool_calls"):
                parsed = parse_openai_tool_calls(msg["tool_calls"])
                if not parsed.ok:
                    reasons.append(_reason("schema_valid", f"message {index}: unreadable tool_calls: {parsed.error}"))
                    continue
                evidence = Evidence(user_facts, tool_facts) if self.v.grounded else None
                for call in parsed.calls:
                    fn = tools.get(call.name)
                    if self.v.schema_valid:
                        if fn is None:
                            reasons.append(_reason("schema_valid", f"message {index}: {call.name} is not an offered tool"))
                        else:
                            errors = list(self._validator(call.name, fn.get("parameters") or {}).iter_errors(call.arguments))
                            if errors:
                                e = errors[0]
                                where = "/" + "/".join(str(p) for p in e.absolute_path)
                                reasons.append(_reason("schema_valid", f"message {index}: {call.name} {where}: {e.message}"))
                    if self.v.plausible and fn is not None:
                        odd = implausible_arguments(call.arguments, fn.get("parameters") or {})
                        if odd:
                            reasons.append(_reason("plausible", f"message {index}: {call.name}: {', '.join(odd)}"))
                    if evidence is not None:
                        missing = ungrounded(call.arguments, evidence)
                        if missing:
                            reasons.append(_reason("grounded", f"message {index}: {call.name}: {', '.join(missing)} not in the user's words or earlier results"))
        if self.v.plan_match:
            reasons += self._plan_match(episode, list(tools.values()))
        if self.judge is not None and not reasons:
            verdict = self.judge.judge(episode)
            if verdict:
                reasons.append(_reason("judge", verdict))
        return reasons

    def _plan_match(self, episode: dict[str, Any], functions: list[dict[str, Any]]) -> list[dict[str, str]]:
        messages = episode.get("messages", [])
        truth = episode.get("ground_truth", [])
        assistant_at = [i for i, m in enumerate(messages) if m.get("role") == "assistant"]
        if assistant_at != [t.get("message_index") for t in truth]:
            return [_reason("plan_match", f"assistant messages at {assistant_at} but ground truth for {[t.get('message_index') for t in truth]}")]
        out = []
        for turn in truth:
            index = turn["message_index"]
            msg = messages[index]
            parsed = parse_openai_tool_calls(msg.get("tool_calls"))
            if turn["decision"] != "call":
                if msg.get("tool_calls"):
                    out.append(_reason("plan_match", f"message {index}: called tools where the plan says {turn['decision']}"))
                elif not str(msg.get("content") or "").strip():
                    out.append(_reason("plan_match", f"message {index}: empty answer where the plan says {turn['decision']}"))
                continue
            if not parsed.ok or not parsed.calls:
                out.append(_reason("plan_match", f"message {index}: no readable calls where the plan says call"))
                continue
            category = "parallel" if len(turn["calls"]) > 1 else "multiple"
            entry = prepare(turn_to_bfcl_answer(turn), functions, category, matching="optimal")
            verdict = check_prepared(entry, parsed.calls)
            if not verdict.valid:
                detail = verdict.errors[0] if verdict.errors else ""
                out.append(_reason("plan_match", f"message {index}: {verdict.error_type}: {detail}"))
        return out

    # ---- the stateful gate ---------------------------------------------------

    def near_duplicate(self, episode: dict[str, Any]):
        """(reason or None, signature): whether a kept episode is a near-duplicate of this one."""
        if not self.v.near_duplicate:
            return None, None
        sig = self.index.signature(fingerprint_text(episode))
        hit = self.index.query(sig)
        if hit is None:
            return None, sig
        return _reason("near_duplicate", f"similar to {hit[0]} (estimated Jaccard {hit[1]:.2f})"), sig

    def remember(self, episode: dict[str, Any], sig=None) -> None:
        """Index a kept episode for the near-duplicate gate."""
        if not self.v.near_duplicate:
            return
        if sig is None:
            sig = self.index.signature(fingerprint_text(episode))
        self.index.add(episode["id"], sig)

    def verify(self, episode: dict[str, Any]) -> list[dict[str, str]]:
        """All gates; a passing episode is remembered (so a later copy of it is a near-duplicate)."""
        reasons = self.check(episode)
        if reasons:
            return reasons
        dup, sig = self.near_duplicate(episode)
        if dup:
            return [dup]
        self.remember(episode, sig)
        return []

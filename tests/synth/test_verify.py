import copy
import json

import pytest

from inftool_jax.synth.config import SynthConfig
from inftool_jax.synth.verify import Verifier


def _episode(synth_parts, category, start=0):
    planner, runner, _ = synth_parts
    for i in range(start, start + 500):
        bp = planner.plan(i)
        if bp.category == category:
            ep = runner.run(bp)
            if not ep["meta"]["tool_errors"]:
                return ep
    raise AssertionError(f"no {category} episode planned")


def _first_call(ep):
    for i, m in enumerate(ep["messages"]):
        if m.get("tool_calls"):
            return i, m["tool_calls"][0]["function"]


def _gates(reasons):
    return {r["gate"] for r in reasons}


@pytest.mark.parametrize("category", ["single", "parallel", "multiple", "parallel_multiple", "no_call", "clarification", "multi_step", "multi_turn"])
def test_reverse_synthesized_episode_passes_every_gate(synth_parts, category):
    ep = _episode(synth_parts, category)
    assert Verifier(SynthConfig()).verify(ep) == []


def test_schema_gate_rejects_a_wrongly_typed_argument(synth_parts, catalog_tools):
    ep = _episode(synth_parts, "single")
    _, fn = _first_call(ep)
    args = json.loads(fn["arguments"])
    key = next(iter(args))
    args[key] = {"not": "valid"} if not isinstance(args[key], dict) else 12345
    fn["arguments"] = json.dumps(args)
    reasons = Verifier(SynthConfig()).check(ep)
    assert "schema_valid" in _gates(reasons)
    assert any(key in r["detail"] for r in reasons if r["gate"] == "schema_valid")


def test_schema_gate_rejects_a_tool_that_was_not_offered(synth_parts):
    ep = _episode(synth_parts, "single")
    _, fn = _first_call(ep)
    fn["name"] = "launch_rocket"
    reasons = Verifier(SynthConfig()).check(ep)
    assert any(r["gate"] == "schema_valid" and "launch_rocket is not an offered tool" in r["detail"] for r in reasons)


def test_grounding_gate_rejects_a_value_the_user_never_said(synth_parts):
    ep = _episode(synth_parts, "single")
    _, fn = _first_call(ep)
    args = json.loads(fn["arguments"])
    key = next(k for k, v in args.items() if isinstance(v, str) and not v.isdigit())
    args[key] = "Zanzibar Quokka Festival"
    fn["arguments"] = json.dumps(args)
    v = SynthConfig()
    v.verification.schema_valid = False  # only the grounding verdict matters here
    v.verification.plan_match = False
    reasons = Verifier(v).check(ep)
    assert _gates(reasons) == {"grounded"} and "Zanzibar Quokka Festival" in reasons[0]["detail"]


def test_grounding_gate_rejects_an_invented_number(synth_parts):
    ep = _episode(synth_parts, "single")
    idx, fn = _first_call(ep)
    args = json.loads(fn["arguments"])
    args["_invented_count"] = 987654
    fn["arguments"] = json.dumps(args)
    cfg = SynthConfig()
    cfg.verification.schema_valid = False
    cfg.verification.plan_match = False
    assert _gates(Verifier(cfg).check(ep)) == {"grounded"}


def test_plan_match_rejects_a_call_where_the_plan_says_no_call(synth_parts):
    ep = _episode(synth_parts, "no_call")
    tool = ep["tools"][0]["function"]["name"]
    idx = ep["ground_truth"][0]["message_index"]
    ep["messages"][idx] = {"role": "assistant", "content": "", "tool_calls": [{"id": "c0", "type": "function", "function": {"name": tool, "arguments": "{}"}}]}
    reasons = Verifier(SynthConfig()).check(ep)
    assert any(r["gate"] == "plan_match" and "plan says no_call" in r["detail"] for r in reasons)


def test_plan_match_rejects_a_wrong_value_through_the_checker(synth_parts):
    ep = _episode(synth_parts, "multi_step")
    truth = ep["ground_truth"][1]
    call = truth["calls"][0]
    key = next(k for k, alts in call["arguments"].items() if "" not in alts)
    call["arguments"][key] = ["some-other-value"]
    reasons = Verifier(SynthConfig()).check(ep)
    assert _gates(reasons) == {"plan_match"}
    assert "value_error" in reasons[0]["detail"] or "cannot_find_match" in reasons[0]["detail"]


def test_plan_match_rejects_a_missing_clarifying_question(synth_parts):
    ep = _episode(synth_parts, "clarification")
    idx = ep["ground_truth"][0]["message_index"]
    assert ep["ground_truth"][0]["decision"] == "clarify"
    ep["messages"][idx]["content"] = ""
    assert _gates(Verifier(SynthConfig()).check(ep)) == {"plan_match"}


def test_execution_gate_rejects_a_tool_error(synth_parts):
    ep = _episode(synth_parts, "single")
    ep["meta"]["tool_errors"] = [{"message_index": 3, "tool": "x", "error": "order 'o1' not found"}]
    assert _gates(Verifier(SynthConfig()).check(ep)) == {"execution"}


def test_near_duplicate_gate_rejects_a_copy_with_a_new_id_but_keeps_a_different_episode(synth_parts):
    ep = _episode(synth_parts, "single")
    other = _episode(synth_parts, "single", start=200)
    verifier = Verifier(SynthConfig())
    assert verifier.verify(ep) == []
    copy_ = copy.deepcopy(ep)
    copy_["id"] = "copy"
    reasons = verifier.verify(copy_)
    assert _gates(reasons) == {"near_duplicate"} and ep["id"] in reasons[0]["detail"]
    assert verifier.verify(other) == []


def test_switched_off_gates_do_not_reject(synth_parts):
    ep = _episode(synth_parts, "single")
    ep["meta"]["tool_errors"] = [{"message_index": 3, "tool": "x", "error": "boom"}]
    cfg = SynthConfig()
    cfg.verification.execution = False
    assert Verifier(cfg).check(ep) == []


def _with_owner(ep, value):
    """The first call's tool gains GitHub's `owner` path parameter (its description as the REST API has it)."""
    _, fn = _first_call(ep)
    tool = next(t["function"] for t in ep["tools"] if t["function"]["name"] == fn["name"])
    tool["parameters"] = copy.deepcopy(tool["parameters"])
    tool["parameters"].setdefault("properties", {})["owner"] = {
        "type": "string", "description": "The account owner of the repository. The name is not case sensitive."}
    args = json.loads(fn["arguments"])
    args["owner"] = value
    fn["arguments"] = json.dumps(args)
    return ep


def test_plausible_gate_rejects_an_identifier_with_spaces_and_can_be_switched_off(synth_parts):
    ep = _with_owner(_episode(synth_parts, "single"), "Maya Fischer")
    cfg = SynthConfig()
    cfg.verification.grounded = cfg.verification.plan_match = False  # only the plausibility verdict matters here
    reasons = Verifier(cfg).check(ep)
    assert _gates(reasons) == {"plausible"} and "owner='Maya Fischer' (identifier with spaces)" in reasons[0]["detail"]
    assert Verifier(cfg).check(_with_owner(_episode(synth_parts, "single"), "maya-fischer")) == []
    cfg.verification.plausible = False
    assert Verifier(cfg).check(ep) == []

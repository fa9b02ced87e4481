"""The plan follows the probe: category weights from measured error rates, failed cases expanded, shares capped."""

import pytest

from inftool_jax.loop.config import LoopConfig
from inftool_jax.loop.gaps import analyse
from inftool_jax.loop.plan import category_weights, make_plan, static_plan

MIX = {"single": 2.0, "parallel": 1.0, "no_call": 1.0, "multi_turn": 0.0}


def row(i, category, exact, tools=("get_weather",), logprob=-1.0, reward=None, gate="arguments"):
    return {"episode": f"e{i}", "message_index": 2, "category": category, "decision": "call", "exact": exact,
            "reward": (1.0 if exact else 0.3) if reward is None else reward, "first_failed_gate": None if exact else gate,
            "error_type": None if exact else "value_error:string", "tools": list(tools), "gt_logprob": logprob, "source": "fresh"}


def test_weights_rise_with_the_measured_error_rate_and_keep_the_floor():
    gaps = {"per_category": {"single": {"error_rate": 0.8, "turns": 10}, "parallel": {"error_rate": 0.2, "turns": 10},
                             "no_call": {"error_rate": 0.0, "turns": 10}}}
    weights, reasons = category_weights(gaps, MIX, floor=0.1)
    assert set(weights) == {"single", "parallel", "no_call"}  # a category switched off stays off
    assert weights["single"] > weights["parallel"] > weights["no_call"] == pytest.approx(0.1)
    assert sum(weights.values()) == pytest.approx(1.0)
    # the rest is split in proportion to the error rates: 0.7 * 0.8 / 1.0 and 0.7 * 0.2 / 1.0
    assert weights["single"] == pytest.approx(0.1 + 0.56) and weights["parallel"] == pytest.approx(0.1 + 0.14)
    assert "0.80 on 10 probed turns" in reasons["single"]


def test_an_unprobed_category_gets_the_mean_rate_and_no_errors_keeps_the_mix():
    weights, reasons = category_weights({"per_category": {"single": {"error_rate": 0.6, "turns": 5}}}, MIX, 0.0)
    assert weights["parallel"] == pytest.approx(weights["single"]) and "not probed" in reasons["parallel"]
    weights, _ = category_weights({"per_category": {"single": {"error_rate": 0.0, "turns": 5}}}, MIX, 0.05)
    assert weights == pytest.approx({"single": 0.5, "parallel": 0.25, "no_call": 0.25})


def test_failed_cases_seed_m_blueprints_each_up_to_the_failure_share():
    rows = [row(i, "single", False, tools=(f"t{i}",), reward=0.1 * i) for i in range(4)] + [row(9, "parallel", True, logprob=-3.0)]
    gaps = analyse(rows)
    loop = LoopConfig(expansions_per_failure=3, failure_share=0.5, uncertain_share=0.1)
    plan = make_plan(gaps, loop, MIX, budget=40)
    assert plan["from_failures"] == 12  # 4 failed cases x M=3 < 0.5 x 40
    assert [c["tools"] for c in plan["failure_cases"]] == [["t0"], ["t1"], ["t2"], ["t3"]]  # worst reward first
    assert plan["uncertain_kept"] == 1 and plan["uncertain_episodes"] == ["e9"]
    assert plan["from_failures"] + plan["uncertain_kept"] + plan["fresh"] == 40
    small = make_plan(gaps, loop.model_copy(update={"failure_share": 0.1}), MIX, budget=40)
    assert small["from_failures"] == 4 and len(small["failure_cases"]) == 2  # ceil(4 / 3) cases used


def test_uncertain_cases_are_right_answers_least_sure_first():
    rows = [row(1, "single", True, logprob=-0.1), row(2, "single", True, logprob=-2.5), row(3, "single", False, logprob=-9.0)]
    gaps = analyse(rows)
    assert [c["episode"] for c in gaps["uncertain_cases"]] == ["e2", "e1"]
    assert gaps["per_category"]["single"] == {"turns": 3, "errors": 1, "error_rate": pytest.approx(1 / 3)}
    assert gaps["per_gate"] == {"arguments": 1} and gaps["per_error_type"] == {"value_error:string": 1}
    assert gaps["per_tool"]["get_weather"]["errors"] == 1


def test_static_plan_spends_the_budget_on_the_configs_mix():
    plan = static_plan(MIX, 30)
    assert plan["fresh"] == 30 and plan["from_failures"] == 0
    assert plan["category_weights"] == pytest.approx({"single": 0.5, "parallel": 0.25, "no_call": 0.25})


def test_shares_over_one_are_refused():
    with pytest.raises(ValueError, match="failure_share"):
        LoopConfig(failure_share=0.8, uncertain_share=0.3)

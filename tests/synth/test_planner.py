import random

import pytest

from inftool_jax.errors import InputError
from inftool_jax.synth.blueprint import ResultRef
from inftool_jax.synth.config import CATEGORIES, SynthConfig
from inftool_jax.synth.planner import Planner


def _by_category(planner, n=600):
    out = {}
    for i in range(n):
        bp = planner.plan(i)
        out.setdefault(bp.category, []).append(bp)
    return out


def test_every_category_is_planned_with_its_shape(synth_parts):
    planner, _, _ = synth_parts
    cats = _by_category(planner)
    assert set(cats) == set(CATEGORIES)
    for bp in cats["single"]:
        calls = bp.turns[0].steps[0].calls
        assert len(bp.turns) == 1 and len(calls) == 1 and calls[0].tool in bp.offered
    for bp in cats["parallel"]:
        calls = bp.turns[0].steps[0].calls
        assert len(calls) >= 2 and len({c.tool for c in calls}) == 1
        assert len({repr({k: getattr(v, "value", v) for k, v in c.args.items()}) for c in calls}) == len(calls)
    for bp in cats["multiple"]:
        assert len(bp.offered) >= 2 and len(bp.turns[0].steps[0].calls) == 1
    for bp in cats["parallel_multiple"]:
        calls = bp.turns[0].steps[0].calls
        assert len({c.tool for c in calls}) >= 2 and all(c.tool in bp.offered for c in calls)
    for bp in cats["no_call"]:
        assert [s.kind for s in bp.turns[0].steps] == ["no_call"]
        if bp.turns[0].unserved_call is not None:
            assert bp.turns[0].unserved_call.tool not in bp.offered
    for bp in cats["clarification"]:
        first, second = bp.turns
        assert first.steps[0].kind == "clarify" and first.withheld in second.describes[0].args
        assert first.withheld in (planner.tools[second.describes[0].tool].parameters.get("required") or [])
    for bp in cats["multi_step"]:
        kinds = [s.kind for s in bp.turns[0].steps]
        assert kinds == ["call", "call", "answer"]
        later = bp.turns[0].steps[1].calls[0]
        assert any(isinstance(v, ResultRef) for v in later.args.values())
    for bp in cats["multi_turn"]:
        assert len(bp.turns) >= 2 and all(t.steps[0].kind == "call" for t in bp.turns)


def test_blueprint_is_a_pure_function_of_seed_and_index(catalog_tools):
    a = Planner(catalog_tools, SynthConfig(), 3)
    b = Planner(catalog_tools, SynthConfig(), 3)
    c = Planner(catalog_tools, SynthConfig(), 4)
    assert [a.plan(i).to_dict() for i in (5, 17, 40)] == [b.plan(i).to_dict() for i in (40, 17, 5)][::-1]
    assert any(a.plan(i).to_dict() != c.plan(i).to_dict() for i in range(5))


def test_category_mix_follows_weights(catalog_tools):
    cfg = SynthConfig.model_validate({"categories": {c: 0 for c in CATEGORIES} | {"single": 1, "no_call": 3}})
    cats = [Planner(catalog_tools, cfg, 0).plan(i).category for i in range(400)]
    assert set(cats) == {"single", "no_call"}
    assert 0.68 < cats.count("no_call") / len(cats) < 0.82


def test_distractors_are_similar_tools_when_asked(catalog_tools):
    cfg = SynthConfig.model_validate(
        {"categories": {c: 0 for c in CATEGORIES} | {"multiple": 1},
         "difficulty": {"similar_distractor_prob": 1.0, "tools_offered_min": 3, "tools_offered_max": 3, "long_list_prob": 0}}
    )
    planner = Planner(catalog_tools, cfg, 0)
    for i in range(50):
        bp = planner.plan(i)
        target = bp.turns[0].steps[0].calls[0].tool
        assert len(bp.offered) == 3
        assert set(bp.offered) - {target} == set(planner.similar(target)[:2])


def test_long_tool_lists_are_drawn(catalog_tools):
    cfg = SynthConfig.model_validate({"difficulty": {"long_list_prob": 1.0, "long_list_size": 20}})
    planner = Planner(catalog_tools, cfg, 0)
    sizes = [len(planner.plan(i).offered) for i in range(40)]
    assert sizes.count(20) > 20


def test_optional_parameters_left_out_accept_omission(synth_parts):
    planner, _, _ = synth_parts
    seen = 0
    for i in range(200):
        bp = planner.plan(i)
        for turn in bp.turns:
            for call in turn.describes:
                for name, alts in call.omitted.items():
                    assert "" in alts and name not in call.args
                    seen += 1
    assert seen > 50


def test_a_category_the_catalog_cannot_serve_is_dropped_and_recorded(catalog_tools):
    no_chains = [t for t in catalog_tools if t.response is None] or catalog_tools[:1]
    planner = Planner(no_chains, SynthConfig(), 0, source="my.yaml")
    assert "multi_step" in planner.dropped_categories and "multi_step" not in planner.categories
    assert {planner.plan(i).category for i in range(200)} <= set(planner.categories)


def test_a_catalog_that_serves_no_asked_category_is_an_input_error(catalog_tools):
    no_chains = [t for t in catalog_tools if t.response is None] or catalog_tools[:1]
    only_chains = SynthConfig().categories.model_validate({c: (1.0 if c == "multi_step" else 0.0) for c in CATEGORIES})
    with pytest.raises(InputError) as err:
        Planner(no_chains, SynthConfig(categories=only_chains), 0, source="my.yaml")
    assert err.value.source == "my.yaml" and err.value.pointer == "synth.categories.multi_step"

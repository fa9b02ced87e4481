import json

from inftool_jax.synth.user.argument_values import Spoken
from inftool_jax.synth.grounding import Evidence, leaves
from inftool_jax.synth.user.user_simulator import ProgrammaticUser, action_phrases
from inftool_jax.tools.spec import ToolSpec


def test_every_stated_value_is_grounded_in_the_users_words(synth_parts):
    planner, runner, _ = synth_parts
    checked = 0
    for i in range(300):
        bp = planner.plan(i)
        user = ProgrammaticUser(planner.tools)
        texts = [user.say(bp, t, []) for t in range(len(bp.turns))]
        evidence = Evidence.from_texts(texts, [])
        for turn in bp.turns:
            for call in turn.describes:
                for name, value in call.args.items():
                    if isinstance(value, Spoken):
                        for key, leaf in leaves({name: value.value}):
                            assert evidence.grounds(key, leaf), (texts, name, leaf)
                            checked += 1
    assert checked > 1000


def test_clarification_request_withholds_the_value_and_the_answer_gives_it(synth_parts):
    planner, _, _ = synth_parts
    user = ProgrammaticUser(planner.tools)
    found = 0
    for i in range(400):
        bp = planner.plan(i)
        if bp.category != "clarification":
            continue
        withheld = bp.turns[0].withheld
        value = bp.turns[0].describes[0].args[withheld]
        ask, answer = user.say(bp, 0, []), user.say(bp, 1, [])
        assert Evidence.from_texts([answer], []).grounds(withheld, value.value)
        # the request alone must not carry the value (else there is nothing to ask)
        others = [v.text for k, v in bp.turns[0].describes[0].args.items() if k != withheld]
        if not any(value.text in o for o in others):
            assert value.text not in ask
        found += 1
    assert found > 10


def test_phrasing_varies_across_personas_and_templates(synth_parts):
    planner, _, _ = synth_parts
    user = ProgrammaticUser(planner.tools)
    firsts = set()
    personas = set()
    for i in range(300):
        bp = planner.plan(i)
        personas.add(bp.persona)
        firsts.add(" ".join(user.say(bp, 0, []).split()[:2]))
    assert len(personas) >= 5 and len(firsts) >= 40


def test_user_text_is_deterministic(synth_parts):
    planner, _, _ = synth_parts
    a, b = ProgrammaticUser(planner.tools), ProgrammaticUser(planner.tools)
    bp = planner.plan(11)
    assert a.say(bp, 0, []) == b.say(bp, 0, [])


def test_action_phrase_turns_third_person_description_into_a_request():
    tool = ToolSpec("get_weather", "Returns the current weather for a city.", {"type": "object", "properties": {}})
    assert action_phrases(tool) == ["return the current weather for a city", "get weather"]
    tool = ToolSpec("find", "Searches the catalog.", {"type": "object", "properties": {}})
    assert action_phrases(tool)[0] == "search the catalog"


def test_dates_and_numbers_said_differently_still_ground():
    ev = Evidence.from_texts(["Book it for March 5, 2026 at 14:30 for three people, budget 1,200 USD, in NYC"], [])
    assert ev.grounds("date", "2026-03-05")
    assert ev.grounds("start", "2026-03-05T14:30:00Z")
    assert ev.grounds("guests", 3)
    assert ev.grounds("budget", 1200)
    assert ev.grounds("city", "New York City")
    assert not ev.grounds("date", "2026-03-06")
    assert not ev.grounds("guests", 4)
    assert not ev.grounds("city", "Boston")


def test_tool_results_ground_values_for_later_calls():
    ev = Evidence.from_texts(["cancel the order you just made"], [json.dumps({"order_id": "ord_7F3K2"})])
    assert ev.grounds("order_id", "ord_7F3K2")
    assert not ev.grounds("order_id", "ord_XXXXX")


def _chain_blueprints(planner, n=600):
    from inftool_jax.synth.blueprint import ResultRef

    for i in range(n):
        bp = planner.plan(i)
        for t_index, turn in enumerate(bp.turns):
            for call in turn.describes:
                for v in call.args.values():
                    if isinstance(v, ResultRef):
                        yield bp, t_index, v


def test_a_search_result_reference_is_said_as_the_first_item_found(synth_parts):
    planner, _, _ = synth_parts
    user = ProgrammaticUser(planner.tools)
    found = made = 0
    phrasings = set()
    for bp, t_index, ref in _chain_blueprints(planner):
        text = user.say(bp, t_index, []).lower()
        noun = ref.key[:-3].replace("_", " ") if ref.key.endswith("_id") else ref.key
        if ref.pick == "first":
            assert ("first " + noun in text or "top " + noun in text), text
            found += 1
        else:
            assert "first " + noun not in text, text
            made += 1
        phrasings.add(" ".join(w for w in text.split() if w in {"first", "top", "results", "found", "finds", "that", "search", "created", "new", "same", "step", "comes"}))
    assert found > 20 and made > 20 and len(phrasings) >= 6


def test_new_values_are_grounded_and_dates_are_said_in_many_forms(synth_parts):
    """Birth dates in nested passengers, redrawn check-outs, ordinal and weekday dates: all ground."""
    from inftool_jax.synth.user.verbal_formats import DATE_STYLES, render_date

    planner, _, _ = synth_parts
    user = ProgrammaticUser(planner.tools)
    styles = set()
    births = 0
    for i in range(600):
        bp = planner.plan(i)
        texts = [user.say(bp, t, []) for t in range(len(bp.turns))]
        evidence = Evidence.from_texts(texts, [])
        for turn in bp.turns:
            for call in turn.describes:
                for name, value in call.args.items():
                    if not isinstance(value, Spoken):
                        continue
                    for key, leaf in leaves({name: value.value}):
                        assert evidence.grounds(key, leaf), (texts, name, leaf)
                        births += key == "date_of_birth"
                        if isinstance(leaf, str) and len(leaf) >= 10 and leaf[4:5] == "-" and leaf[7:8] == "-":
                            styles |= {s for s in DATE_STYLES if render_date(leaf[:10], s) in " ".join(texts)}
    assert births > 10
    assert styles == set(DATE_STYLES) and len(styles) >= 7, styles  # ordinal and weekday forms too

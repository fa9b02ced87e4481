"""Stages finish atomically; a resume redoes only unfinished stages and refuses other settings, naming the keys."""

import json

import pytest

from inftool_jax.errors import InputError
from inftool_jax.loop.leak import LeakIndex
from inftool_jax.loop.run_state import RunState, clean_json, config_differences


def test_a_finished_stage_is_not_run_again_and_an_unfinished_one_is_redone(tmp_path):
    state = RunState(tmp_path / "run", {"seed": 0}, resume=False)
    calls = []

    def make(out):
        calls.append(out.name)
        (out / "x.txt").write_text("ok")

    path, ran = state.run("a/stage", make)
    assert ran and path.name == "stage" and (path / "x.txt").read_text() == "ok"
    # a stage killed half-way leaves only its .partial folder: redone from scratch on resume
    (tmp_path / "run" / "b.partial").mkdir()
    (tmp_path / "run" / "b.partial" / "junk").write_text("half")
    again = RunState(tmp_path / "run", {"seed": 0}, resume=True)
    assert again.run("a/stage", make) == (path, False)
    b, ran = again.run("b", make)
    assert ran and not (b / "junk").exists() and calls == ["stage.partial", "b.partial"]
    assert json.loads((tmp_path / "run" / "state.json").read_text())["finished"] == ["a/stage", "b"]


def test_a_failing_stage_leaves_no_finished_folder(tmp_path):
    state = RunState(tmp_path / "run", {}, resume=False)

    def boom(out):
        (out / "half").write_text("x")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        state.run("s", boom)
    assert not (tmp_path / "run" / "s").exists() and state.last_finished is None


def test_resume_with_other_settings_names_the_keys_that_differ(tmp_path):
    RunState(tmp_path / "run", {"seed": 0, "loop": {"iterations": 2, "targeting": "gaps"}}, resume=False)
    with pytest.raises(InputError, match="loop.iterations"):
        RunState(tmp_path / "run", {"seed": 0, "loop": {"iterations": 3, "targeting": "gaps"}}, resume=True)
    with pytest.raises(InputError, match="--resume"):
        RunState(tmp_path / "run", {"seed": 0, "loop": {"iterations": 2, "targeting": "gaps"}}, resume=False)
    assert config_differences({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "d": 2}}) == ["a.c", "a.d"]


def test_strict_json_only():
    assert clean_json({"x": float("nan"), "y": [float("inf"), 1.5]}) == {"x": None, "y": [None, 1.5]}


def _episode(eid, text):
    return {"id": eid, "messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]}


def test_leaks_are_found_by_id_and_by_near_duplicate_user_text():
    heldout = [_episode("h1", "Please book a table for four at Luigi's on Friday at seven in the evening, thanks a lot")]
    index = LeakIndex(heldout)
    train = [
        _episode("h1", "something else entirely"),
        _episode("t1", "please book a table for four at luigi's on friday at seven in the evening, thanks a lot"),
        _episode("t2", "What is the weather in Oslo tomorrow morning and should I take an umbrella with me"),
    ]
    found = index.leaks(train)
    assert [(f["episode"], f["why"].split(" (")[0]) for f in found] == [("h1", "same id"), ("t1", "user text near-duplicate")]


def test_training_data_never_holds_a_held_out_episode(tmp_path):
    from inftool_jax.loop.targeted_synth import merge_data
    from inftool_jax.synth.dataset import read_episodes

    heldout = [_episode("h1", "Please book a table for four at Luigi's on Friday at seven in the evening, thanks a lot")]
    fresh = [_episode("t1", "please book a table for four at luigi's on friday at seven in the evening, thanks a lot"),
             _episode("t2", "What is the weather in Oslo tomorrow morning and should I take an umbrella with me")]
    counts = merge_data(tmp_path, [("fresh", fresh), ("uncertain", [_episode("h1", "x")])], LeakIndex(heldout))
    assert [e["id"] for e in read_episodes(tmp_path)] == ["t2"]
    assert counts["fresh"] == 1 and counts["uncertain"] == 0
    assert [d["episode"] for d in counts["leaks_dropped"]] == ["t1", "h1"]
    assert LeakIndex(heldout).leaks(read_episodes(tmp_path)) == []


def test_a_setting_added_after_the_run_started_is_no_difference_while_it_keeps_its_default(tmp_path):
    old = {"loop": {"iterations": 2}, "seed": 0}
    defaults = {"loop": {"iterations": 2, "unseen_domains": []}, "seed": 0}
    RunState(tmp_path, old, resume=False)
    RunState(tmp_path, {"loop": {"iterations": 2, "unseen_domains": []}, "seed": 0}, resume=True, defaults=defaults)
    with pytest.raises(InputError) as err:
        RunState(tmp_path, {"loop": {"iterations": 2, "unseen_domains": ["tasks"]}, "seed": 0}, resume=True, defaults=defaults)
    assert "loop.unseen_domains" in str(err.value)

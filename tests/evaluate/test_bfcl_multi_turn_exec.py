"""The multi-turn executor: BFCL's backend instances, dispatch by name to public methods, BFCL's result texts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bfcl_official_multi_turn as official  # noqa: E402

from inftool_jax.calls.call import Call  # noqa: E402
from inftool_jax.errors import InputError  # noqa: E402
from inftool_jax.evaluate import bfcl_data  # noqa: E402
from inftool_jax.evaluate.bfcl_multi_turn_exec import (  # noqa: E402
    BackendWorld,
    ExecCall,
    Undecodable,
    parse_ground_truth_call,
    prepare_calls,
)

pytestmark = pytest.mark.skipif(bfcl_data.default_data_dir() is None, reason="bfcl_eval not installed")

# A file-system scenario in the shape of BFCL's multi_turn_base entries (initial_config of GorillaFileSystem).
CONFIG = {
    "GorillaFileSystem": {"root": {"alex": {"type": "directory", "contents": {
        "notes.txt": {"type": "file", "content": "budget analysis 2024"},
        "archive": {"type": "directory", "contents": {}},
    }}}},
    "TwitterAPI": {"username": "alex", "password": "pw", "authenticated": True, "tweets": {}, "comments": {},
                   "retweets": {}, "following_list": [], "tweet_counter": 0},
}
CLASSES = ["GorillaFileSystem", "TwitterAPI", "MathAPI"]


def world() -> BackendWorld:
    return BackendWorld(CLASSES, CONFIG)


def test_calls_run_on_the_official_backends_and_change_their_state():
    w = world()
    out = w.execute([ExecCall("ls", (), {}), ExecCall("mv", (), {"source": "notes.txt", "destination": "archive"}),
                     ExecCall("cd", (), {"folder": "archive"}), ExecCall("ls", (), {})])
    assert '"notes.txt"' in out[3] and '"notes.txt"' not in out[2]
    assert type(w.instances["GorillaFileSystem"]).__module__.startswith("bfcl_eval.")
    assert w.differences(world())  # the moved file is a state difference
    assert not world().differences(world())


def test_result_texts_match_the_official_executor():
    """Unknown, private, dotted and blocked names, bad keywords, dict and non-str results: the same
    texts as BFCL's eval-based executor gives for the same call strings."""
    if not official.available():
        pytest.skip("bfcl_eval not importable")
    official.bfcl_official.load()
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call

    texts = [
        "ls(a=True)", "pwd()", "no_such_tool(x=1)", "_load_scenario(scenario={'a': 1})", "GorillaFileSystem.ls(a=True)",
        "kill(pid=1)", "exit(code=0)", "cd(folder='nowhere')", "cd(dir='archive')", "mean(numbers=[1, 2, 4])",
        "post_tweet(content='hello', tags=['#a'])", "wc(file_name='notes.txt', mode='w')", "cat(file_name='notes.txt')",
    ]
    theirs, _ = execute_multi_turn_func_call(texts, CONFIG, CLASSES, "inftool_exec_test", "exec_0")
    from inftool_jax.calls.pythonic import parse_python

    ours = world().execute(prepare_calls(parse_python("[" + ", ".join(texts) + "]", bfcl_compat=True).calls))
    assert ours == theirs
    assert ours[2] == "Error during execution: name 'no_such_tool' is not defined"
    assert ours[5] == "Error during execution: Function call kill is not allowed."


def test_private_methods_are_never_dispatched():
    w = world()
    out = w.execute([ExecCall("_load_scenario", (), {"scenario": {}})])
    assert out == ["Error during execution: name '_load_scenario' is not defined"]
    assert not w.differences(world())


def test_nested_call_arguments_run_first_and_empty_dicts_do_not_decode():
    w = world()
    [call] = prepare_calls([Call("cd", {"folder": {"find": {"path": ".", "name": "archive"}}})])
    assert isinstance(call.kwargs["folder"], ExecCall)
    out = w.execute([call])
    assert out[0].startswith("Error during execution:")  # find() returns a dict, not a folder name
    with pytest.raises(Undecodable):
        prepare_calls([Call("cd", {"folder": {}})])


def test_ground_truth_calls_keep_positional_arguments_and_are_never_run_as_code():
    assert parse_ground_truth_call("sort('final_report.pdf')") == ExecCall("sort", ("final_report.pdf",), {})
    assert parse_ground_truth_call("mv(source='a', destination='b')").kwargs == {"source": "a", "destination": "b"}
    with pytest.raises(InputError, match="cannot be read"):
        parse_ground_truth_call("cd(folder=__import__('os').getcwd())")
    with pytest.raises(InputError, match="unknown BFCL backend class"):
        BackendWorld(["NoSuchAPI"], {}, source="entry_7")

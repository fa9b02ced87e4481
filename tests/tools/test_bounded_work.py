"""Bounded work on hostile or huge input (issue 13 §3): alias bombs, 1,950 operations, NaN, unknown tools."""

import json
import subprocess
import sys
import time

import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools import find_chains, load_catalog
from inftool_jax.tools.names import unknown_name_message
from inftool_jax.tools.read_file import read_document


# The classic "billion laughs" in YAML: nine levels of nine aliases, 9^9 strings once expanded, padded with a
# comment to the 766 bytes of the reported file.
_CORE = "".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    + [f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")]
) + "openapi: 3.0.0\ninfo: {title: bomb, version: '1'}\npaths: {}\n"
BOMB = _CORE + "#" * (765 - len(_CORE)) + "\n"


def test_a_yaml_alias_bomb_is_refused_in_well_under_a_second(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB.encode()) == 766
    start = time.perf_counter()
    with pytest.raises(InputError, match="refused as an alias bomb"):
        read_document(path)
    assert time.perf_counter() - start < 0.5
    result = subprocess.run([sys.executable, "-m", "inftool_jax", "specs", "inspect", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_self_containing_alias_and_legitimate_anchors(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &a [1, *a]\n")
    with pytest.raises(InputError, match="refers to a node that contains it"):
        read_document(loop)
    shared = tmp_path / "shared.yaml"  # anchors for a shared error response, as hand-written specs use them
    shared.write_text("errors: &err {description: Error, content: {application/json: {schema: {type: object}}}}\n"
                      "a: *err\nb: *err\nc: [*err, *err]\n")
    assert read_document(shared)["c"][1]["description"] == "Error"


def test_a_large_spec_of_1950_operations_sharing_field_names_loads_in_seconds(tmp_path, large_specs):
    path = tmp_path / "large.json"
    text = json.dumps(large_specs.big_openapi(resources=390, pad=55))
    path.write_text(text)
    assert len(text) > 5_000_000
    start = time.perf_counter()
    catalog = load_catalog([path])
    chains = find_chains(catalog.tools)
    elapsed = time.perf_counter() - start
    assert len(catalog.tools) == 1950
    assert elapsed < 20, elapsed  # 120 s and 1.4 GB before (killed); about 1 s on a quiet core
    # linear, not quadratic: each consumer of the shared `id` keeps its nearest producers, in its own resource
    assert len(chains) <= 4 * 1950
    by_consumer = {}
    for chain in chains:
        by_consumer.setdefault((chain.consumer, chain.field), set()).add(chain.producer)
    assert by_consumer[("get_res7", "id")] == {"create_res7", "list_res7"}
    assert by_consumer[("delete_res300", "id")] == {"create_res300", "list_res300"}


def test_nan_and_infinity_are_refused_at_their_pointer(write_spec):
    path = write_spec("nan.yaml", {"tools": [{"name": "f", "description": "F.", "inputSchema": {"type": "object", "properties": {
        "x": {"type": "number", "maximum": float("inf"), "description": "X."}}}}]})
    with pytest.raises(InputError) as err:
        load_catalog([path], strict=True)
    assert err.value.pointer == "/tools/0/inputSchema/properties/x/maximum" and "not a JSON number" in err.value.problem
    json_path = write_spec("nan.json", '[{"name": "g", "description": "G.", "parameters": {"type": "object", "properties": {'
                                       '"y": {"type": "number", "default": NaN, "description": "Y."}}}}]')
    with pytest.raises(InputError, match="NaN"):
        load_catalog([json_path], strict=True)


def test_reports_never_hold_bare_nan(write_spec, tmp_path):
    write_spec("ok.json", [{"name": "ok", "description": "OK.", "parameters": {"type": "object", "properties": {
        "n": {"type": "number", "minimum": 0, "description": "N."}}}}])
    write_spec("bad.json", '[{"name": "g", "description": "G.", "parameters": {"type": "object", "properties": {'
                           '"y": {"type": "number", "minimum": -Infinity, "description": "Y."}}}}]')
    result = subprocess.run([sys.executable, "-m", "inftool_jax", "specs", "inspect", str(tmp_path), "--json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"bare {c} in the report"))
    assert [t["name"] for t in report["tools"]] == ["ok"] and report["skipped"][0]["pointer"].endswith("/minimum")


def test_an_unknown_tool_names_the_closest_tools_not_all_of_them():
    names = [f"{verb}_{noun}" for verb in ("get", "list", "create", "delete", "update") for noun in
             ("issue", "pull_request", "repo", "branch", "commit", "release", "tag", "label")] * 1
    names += [f"tool_{i}" for i in range(1200)]
    message = unknown_name_message("tool", "get_isue", names)
    assert message.startswith("unknown tool 'get_isue'; closest: get_issue")
    assert len(message) < 200
    assert "none of the 1240 tools" in unknown_name_message("tool", "zzzzzzzz", names)

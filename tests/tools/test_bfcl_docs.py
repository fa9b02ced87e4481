import json

import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.bfcl_docs import bfcl_to_json_schema
from inftool_jax.tools.ingest import load_spec_file

DOC = {
    "name": "math.hypot",
    "description": "Euclidean norm.",
    "parameters": {
        "type": "dict",
        "properties": {
            "x": {"type": "float", "description": "x"},
            "point": {"type": "tuple", "items": {"type": "float"}, "description": "p"},
            "options": {"type": "dict", "properties": {"scale": {"type": "float", "default": 1.0}}, "description": "o"},
            "rows": {"type": "array", "items": {"type": "dict", "properties": {"v": {"type": "any"}}}, "description": "r"},
            "anything": {"type": "any", "description": "a"},
        },
        "required": ["x"],
    },
    "response": {"name": "response", "type": "dict", "properties": {"value": {"type": "float"}}},
}


def test_bfcl_types_map_to_json_schema_at_every_depth():
    out = bfcl_to_json_schema(DOC["parameters"])
    props = out["properties"]
    assert out["type"] == "object"
    assert props["x"]["type"] == "number"
    assert props["point"] == {"type": "array", "items": {"type": "number"}, "description": "p"}
    assert props["options"]["type"] == "object" and props["options"]["properties"]["scale"]["type"] == "number"
    assert props["rows"]["items"]["type"] == "object"
    assert "type" not in props["rows"]["items"]["properties"]["v"]
    assert "type" not in props["anything"]


def test_bfcl_doc_files_in_json_lines_ingest_with_response_and_sanitised_names(write_spec):
    other = {**DOC, "name": "math.gcd", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}
    path = write_spec("math.bfcl.json", json.dumps(DOC) + "\n" + json.dumps(other) + "\n")
    specs = load_spec_file(path)
    assert [s.name for s in specs] == ["math_hypot", "math_gcd"]
    assert specs[0].format == "bfcl" and specs[0].pointer == "/0" and specs[0].domain == "math"
    assert specs[0].parameters["properties"]["x"]["type"] == "number"
    assert specs[0].response["properties"]["value"] == {"type": "number"}
    assert any("renamed to 'math_hypot'" in note for note in specs[0].notes)


def test_bfcl_question_entries_yield_their_functions(write_spec):
    entries = [{"id": "simple_0", "question": [[{"role": "user", "content": "hi"}]], "function": [DOC]}]
    (spec,) = load_spec_file(write_spec("q.json", entries))
    assert spec.pointer == "/0/function/0"


def test_a_type_bfcl_does_not_know_either_is_an_input_error(write_spec):
    # HashMap was this test's example until BFCL's Java types were supported (issue 13); Vector3 is in no table.
    bad = {"name": "f", "parameters": {"type": "dict", "properties": {"m": {"type": "Vector3"}}}}
    path = write_spec("java.json", [bad])
    with pytest.raises(InputError) as err:
        load_spec_file(path)
    assert err.value.pointer == "/0/parameters/properties/m/type"
    assert "unknown type 'Vector3'" in err.value.problem

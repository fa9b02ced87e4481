import pytest
from jsonschema import Draft202012Validator

from inftool_jax.errors import InputError
from inftool_jax.tools.normalize import SchemaContext, normalize_parameters, normalize_schema


def norm(schema, root=None):
    ctx = SchemaContext("f.json", root if root is not None else schema)
    return normalize_schema(schema, ctx, "/p"), ctx


def test_parameters_always_get_object_type_properties_and_required():
    out = normalize_parameters({}, SchemaContext("f.json", {}), "/p")
    assert out == {"type": "object", "properties": {}, "required": []}
    out = normalize_parameters({"properties": {"a": {"type": "string"}}}, SchemaContext("f.json", {}), "/p")
    assert out["type"] == "object" and out["required"] == []


def test_type_arrays_and_null_unions_collapse_to_one_nullable_type():
    assert norm({"type": ["string", "null"]})[0] == {"type": "string", "nullable": True}
    assert norm({"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "d"})[0] == {
        "type": "integer", "description": "d", "nullable": True,
    }
    assert norm({"type": ["string", "integer"]})[0] == {"type": ["string", "integer"]}


def test_draft4_forms_become_2020_12():
    out, _ = norm({"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 5, "exclusiveMaximum": False})
    assert out == {"type": "number", "exclusiveMinimum": 0, "maximum": 5}
    out, _ = norm({"type": "array", "items": [{"type": "number"}, {"type": "number"}]})
    assert out == {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]}


def test_all_of_objects_merge_into_one_object():
    out, _ = norm({"allOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
    ]})
    assert out == {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]}


def test_local_refs_are_inlined_with_sibling_keywords_kept():
    schema = {"type": "object", "properties": {"when": {"$ref": "#/$defs/Day", "description": "Which day."}},
              "$defs": {"Day": {"type": "string", "format": "date"}}}
    out, _ = norm(schema)
    assert out == {"type": "object", "properties": {"when": {"type": "string", "format": "date", "description": "Which day."}}}


def test_recursive_refs_are_cut_off_with_a_note():
    schema = {"$ref": "#/$defs/Node", "$defs": {"Node": {"type": "object", "properties": {
        "kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}}
    out, ctx = norm(schema)
    inner = out["properties"]["kids"]["items"]
    assert inner["type"] == "object" and "cut off" in inner["description"]
    assert any("recursive $ref '#/$defs/Node'" in note for note in ctx.notes)
    Draft202012Validator.check_schema(out)


def test_required_names_missing_from_properties_are_dropped_with_a_note():
    out, ctx = norm({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "ghost"]})
    assert out["required"] == ["a"]
    assert "ghost" in ctx.notes[0]


@pytest.mark.parametrize(
    ("schema", "pointer", "problem"),
    [
        ({"type": "object", "properties": {"a": {"type": "strng"}}}, "/p/properties/a/type", "unknown type 'strng'"),
        ({"type": "object", "properties": {"a": {"type": ["string", "dict"]}}}, "/p/properties/a/type/1", "unknown type 'dict'"),
        ({"properties": {"a": {"$ref": "#/$defs/Missing"}}}, "/p/properties/a/$ref", "broken $ref"),
        ({"properties": {"a": {"$ref": "other.json#/X"}}}, "/p/properties/a/$ref", "external $ref"),
        ({"properties": {"a": {"type": "string", "enum": []}}}, "/p/properties/a/enum", "non-empty list"),
        ({"properties": {"a": {"type": "integer", "minimum": "zero"}}}, "/p/properties/a/minimum", "invalid JSON Schema"),
        ({"properties": "nope"}, "/p/properties", "must be an object"),
        ({"type": "array", "items": {"type": "string"}}, "/p/type", "type object"),
        ({"required": "a"}, "/p/required", "list of property names"),
    ],
)
def test_bad_schemas_raise_input_error_at_the_offending_pointer(schema, pointer, problem):
    with pytest.raises(InputError) as err:
        normalize_parameters(schema, SchemaContext("f.json", schema, root_pointer="/p"), "/p")
    assert err.value.source == "f.json"
    assert err.value.pointer == pointer
    assert problem in err.value.problem


def test_errors_inside_a_referenced_definition_point_at_the_definition():
    root = {"defs": {"Bad": {"type": "float"}}, "params": {"properties": {"x": {"$ref": "#/defs/Bad"}}}}
    with pytest.raises(InputError) as err:
        normalize_parameters(root["params"], SchemaContext("f.json", root), "/params")
    assert err.value.pointer == "/defs/Bad/type"

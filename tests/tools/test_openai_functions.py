import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest import load_spec_file

WEATHER = {
    "name": "get_weather",
    "description": "Weather now.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City."},
                       "unit": {"type": "string", "enum": ["c", "f"], "default": "c"}},
        "required": ["city"],
    },
}


@pytest.mark.parametrize(
    "doc",
    [
        {"tools": [{"type": "function", "function": WEATHER}]},
        [{"type": "function", "function": WEATHER}],
        {"functions": [WEATHER]},
        {"type": "function", "function": WEATHER},
    ],
)
def test_openai_tool_lists_and_single_tools_become_toolspecs(write_spec, doc):
    path = write_spec("weather.openai.json", doc)
    (spec,) = load_spec_file(path)
    assert spec.name == "get_weather" and spec.description == "Weather now."
    assert spec.parameters == WEATHER["parameters"]
    assert spec.source == str(path) and spec.domain == "weather" and spec.format == "openai"
    assert spec.pointer.endswith("/function") or spec.pointer.startswith("/functions/")


def test_bare_json_schema_functions_keep_their_pointers_and_response(write_spec):
    doc = [WEATHER, {**WEATHER, "name": "get_temp", "response": {"type": "object", "properties": {"t": {"type": "number"}}}}]
    specs = load_spec_file(write_spec("geo.functions.json", doc))
    assert [s.pointer for s in specs] == ["/0", "/1"]
    assert [s.format for s in specs] == ["functions", "functions"]
    assert specs[0].response is None and specs[1].response["properties"]["t"] == {"type": "number"}


def test_a_function_without_parameters_gets_an_empty_object_schema(write_spec):
    (spec,) = load_spec_file(write_spec("f.json", [{"name": "ping", "description": "Check."}]))
    assert spec.parameters == {"type": "object", "properties": {}, "required": []}


def test_to_openai_renders_only_the_standard_keys(write_spec):
    (spec,) = load_spec_file(write_spec("f.json", [{**WEATHER, "response": {"type": "object"}}]))
    assert spec.to_openai() == {"type": "function", "function": {
        "name": "get_weather", "description": "Weather now.", "parameters": WEATHER["parameters"]}}


@pytest.mark.parametrize(
    ("doc", "pointer", "problem"),
    [
        ({"tools": [{"type": "function", "function": {"description": "x", "parameters": {}}}]}, "/tools/0/function", "tool has no name"),
        ([{"name": "", "parameters": {}}], "/0", "tool has no name"),
        ([{"name": 5}], "/0/name", "must be a string"),
        ([{"name": "f", "parameters": ["x"]}], "/0/parameters", "parameters must be a JSON Schema object"),
        ([{"name": "f", "parameters": {"type": "string"}}], "/0/parameters/type", "type object"),
        ([{"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "text"}}}}], "/0/parameters/properties/a/type", "unknown type 'text'"),
        ([{"name": "f", "description": 3}], "/0/description", "must be a string"),
    ],
)
def test_malformed_functions_name_file_and_pointer(write_spec, doc, pointer, problem):
    path = write_spec("bad.json", doc)
    with pytest.raises(InputError) as err:
        load_spec_file(path)
    assert (err.value.source, err.value.pointer) == (str(path), pointer)
    assert problem in err.value.problem

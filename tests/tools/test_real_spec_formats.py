"""Formats users bring, on excerpts of real public specs (tests/tools/fixtures/README.md names each source)."""

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from inftool_jax.errors import InputError
from inftool_jax.tools import load_catalog
from inftool_jax.tools.ingest import load_spec_file

FIXTURES = Path(__file__).parent / "fixtures"


def props(spec):
    return spec.parameters["properties"]


def test_bfcl_java_docs_map_java_types_to_the_json_type_of_their_values():
    specs = {s.name: s for s in load_spec_file(FIXTURES / "bfcl_java.json")}
    read = props(specs["FileStore_readTimestamp"])
    assert read["fileId"]["type"] == "integer" and read["fileId"]["x-bfcl-type"] == "long"
    assert (read["maxBytes"]["minimum"], read["maxBytes"]["maximum"]) == (-32768, 32767)
    assert read["buffer"] == {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 1, "x-bfcl-type": "char"},
                              "description": "Characters to read into.", "x-bfcl-type": "Array"}
    assert read["names"]["items"]["type"] == "string" and read["ratio"]["type"] == "number"
    proposals = props(specs["SQLCompletionAnalyzer_makeProposalsFromObject"])
    assert proposals["params"]["type"] == "object" and "type" not in proposals["object"]  # any: no constraint
    validator = Draft202012Validator(specs["FileStore_readTimestamp"].parameters)
    assert validator.is_valid({"fileId": 1234567890, "maxBytes": 16, "buffer": ["a", "b", "c"]})
    assert not validator.is_valid({"fileId": 1234567890, "buffer": ["abc"]})


def test_bfcl_javascript_docs_map_their_type_names():
    specs = {s.name: s for s in load_spec_file(FIXTURES / "bfcl_javascript.json")}
    validate = props(specs["validateUserInput"])
    assert validate["inputField"]["type"] == "string" and validate["isComplete"]["type"] == "boolean"
    extract = props(specs["extractLastTransactionId"])
    assert extract["status"]["items"]["type"] == "string"
    assert extract["limit"]["type"] == "integer" and extract["limit"]["x-bfcl-type"] == "Bigint"
    assert specs["extractLastTransactionId"].parameters["required"] == ["filepath", "status", "encoding", "processFunction"]


def test_bfcl_dict_inside_an_openai_wrapper_is_read_as_bfcl_types(write_spec):
    # A BFCL simple-category function pasted into OpenAI's tools wrapper, as users of both do.
    doc = {"tools": [{"type": "function", "function": {
        "name": "calculate_triangle_area", "description": "Calculate the area of a triangle given its base and height.",
        "parameters": {"type": "dict", "properties": {
            "base": {"type": "integer", "description": "The base of the triangle."},
            "height": {"type": "integer", "description": "The height of the triangle."},
            "unit": {"type": "string", "description": "The unit of measure (defaults to 'units' if not specified)"},
            "scale": {"type": "float", "description": "Scale factor."}},
            "required": ["base", "height"]}}}]}
    (spec,) = load_spec_file(write_spec("area.json", doc))
    assert spec.format == "openai"
    assert spec.parameters["type"] == "object" and props(spec)["scale"]["type"] == "number"


def test_xlam_dataset_rows_give_their_tools_with_python_types_mapped():
    specs = {s.name: s for s in load_catalog([FIXTURES / "xlam_rows.jsonl"]).tools}
    assert set(specs) == {"live_giveaways_by_type", "find_missing_ranges", "trending_tags", "project_investment_growth"}
    giveaways = specs["live_giveaways_by_type"]
    assert giveaways.format == "xlam" and giveaways.pointer == "/0/tools/0"
    assert props(giveaways)["type"] == {"type": "string", "description": "The type of giveaways to retrieve (e.g., game, loot, beta).",
                                        "default": "game"}
    ranges = specs["find_missing_ranges"]
    assert props(ranges)["nums"]["items"] == {"type": "integer"} and ranges.parameters["required"] == ["nums", "lower", "upper"]
    tags = specs["trending_tags"]
    assert tags.parameters["required"] == [] and props(tags)["limit"]["default"] == 10  # "10" read as the int it is
    assert "default" not in props(tags)["region"]  # "" is xLAM's "no default"
    growth = specs["project_investment_growth"]
    assert props(growth)["inflation"]["items"] == {"type": "number"}
    assert "inflation_adjusted" not in growth.parameters["required"] and "years" in growth.parameters["required"]


def test_xlam_functions_without_dataset_rows_and_nested_python_types(write_spec):
    doc = [{"name": "merge_dicts", "description": "Merges two dictionaries.", "parameters": {
        "dict1": {"description": "The first dictionary.", "type": "Dict"},
        "pairs": {"description": "Pairs.", "type": "List[Tuple[str, int]]"},
        "weights": {"description": "Weights.", "type": "Dict[str, float]"},
        "limit": {"description": "Limit.", "type": "Optional[int]"},
        "mode": {"description": "Mode.", "type": "Union[str, int], optional"}}}]
    (spec,) = load_spec_file(write_spec("merge.json", doc))
    p = props(spec)
    assert p["pairs"]["items"]["prefixItems"] == [{"type": "string"}, {"type": "integer"}]
    assert p["weights"]["additionalProperties"] == {"type": "number"}
    assert p["limit"]["nullable"] is True and spec.parameters["required"] == ["dict1", "pairs", "weights"]
    assert p["mode"]["anyOf"] == [{"type": "string"}, {"type": "integer"}]


def test_an_unknown_xlam_type_names_its_pointer(write_spec):
    path = write_spec("bad.json", [{"name": "f", "description": "F.", "parameters": {"q": {"type": "Matrix[int]", "description": "Q."}}}])
    with pytest.raises(InputError) as err:
        load_spec_file(path)
    assert err.value.pointer == "/0/parameters/q/type" and "unknown xLAM type 'Matrix[int]'" in err.value.problem


def test_mcp_filesystem_server_listing_is_ingested_whole():
    catalog = load_catalog([FIXTURES / "mcp_filesystem.json"])
    assert len(catalog.tools) == 8 and catalog.skipped == []
    assert catalog.by_name("search_files").parameters["required"] == ["path", "pattern"]

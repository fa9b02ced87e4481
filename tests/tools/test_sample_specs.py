"""configs/specs: the embedded default's catalog."""

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from inftool_jax.tools import find_chains, load_catalog
from inftool_jax.tools.read_file import read_document

SPECS = Path(__file__).resolve().parents[2] / "configs" / "specs"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog([SPECS])


def test_sample_catalog_has_at_least_6_domains_and_40_tools(catalog):
    assert len(catalog.domains()) >= 6
    assert len(catalog.tools) >= 40
    assert catalog.merge_report == []


def test_every_format_is_represented(catalog):
    formats = {tool.format for tool in catalog.tools}
    assert formats == {"openapi-3.0", "openapi-3.1", "openai", "functions", "mcp", "bfcl"}
    assert any(f.endswith(".yaml") for f in catalog.files if "openapi" in f)


def test_every_parameters_schema_is_a_valid_object_schema_and_tools_have_responses(catalog):
    for tool in catalog.tools:
        Draft202012Validator.check_schema(tool.parameters)
        assert tool.parameters["type"] == "object", tool.name
        assert tool.description, tool.name
        assert tool.response is not None, tool.name
        Draft202012Validator.check_schema(tool.response)


def test_at_least_5_id_chains_link_a_returned_id_to_a_required_input(catalog):
    id_chains = {(c.producer, c.field, c.consumer) for c in find_chains(catalog.tools, same_domain=True) if c.field.endswith("_id")}
    assert len({field for _, field, _ in id_chains}) >= 5
    assert ("create_order", "order_id", "get_order_status") in id_chains
    assert ("search_flights", "flight_id", "book_flight") in id_chains


def test_the_only_warning_is_the_deliberate_recursive_category(catalog):
    assert len(catalog.warnings) == 1 and "recursive $ref '#/components/schemas/Category'" in catalog.warnings[0]


def test_samples_cover_nested_objects_arrays_enums_defaults_formats_and_ranges(catalog):
    from inftool_jax.tools.stats import parameter_stats

    stats = parameter_stats(catalog.tools)
    assert stats["nested_objects"] and stats["arrays_of_objects"] and stats["arrays_of_scalars"]
    assert stats["enums"] and stats["with_default"] and stats["ranges"] and stats["optional"]
    assert {"date", "date-time", "email"} <= set(stats["formats"])


def test_mcp_samples_are_valid_for_the_mcp_sdk():
    import mcp.types

    for path in SPECS.glob("*.mcp.json"):
        doc = read_document(path)
        result = mcp.types.ListToolsResult.model_validate(doc.get("result", doc))
        assert result.tools and all(tool.input_schema["type"] == "object" for tool in result.tools)

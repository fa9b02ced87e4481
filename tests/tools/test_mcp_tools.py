import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest import load_spec_file

TOOL = {
    "name": "create_note",
    "title": "Create note",
    "description": "Save a note.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "outputSchema": {"type": "object", "properties": {"note_id": {"type": "string"}}},
    "annotations": {"readOnlyHint": False, "destructiveHint": True},
}


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ({"tools": [TOOL]}, "/tools/0"),
        ({"jsonrpc": "2.0", "id": 7, "result": {"tools": [TOOL], "nextCursor": None}}, "/result/tools/0"),
        ([TOOL], "/0"),
    ],
)
def test_mcp_tools_list_results_become_toolspecs(write_spec, doc, pointer):
    (spec,) = load_spec_file(write_spec("notes.mcp.json", doc))
    assert spec.name == "create_note" and spec.format == "mcp" and spec.pointer == pointer
    assert spec.parameters["required"] == ["text"]
    assert spec.response == TOOL["outputSchema"]
    assert spec.tags == ["destructive"]


def test_an_mcp_tool_without_input_schema_is_an_input_error(write_spec):
    path = write_spec("n.json", {"tools": [TOOL, {"name": "broken", "outputSchema": {"type": "object"}}]})
    with pytest.raises(InputError) as err:
        load_spec_file(path)
    assert (err.value.pointer, err.value.problem) == ("/tools/1", "MCP tool has no inputSchema")


def test_an_mcp_tool_without_a_name_is_an_input_error(write_spec):
    path = write_spec("n.json", {"tools": [{"inputSchema": {"type": "object"}}]})
    with pytest.raises(InputError, match="tool has no name") as err:
        load_spec_file(path)
    assert err.value.pointer == "/tools/0"

import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.detect import BFCL, FUNCTIONS, MCP, OPENAI, OPENAPI, detect_format

FN = {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"openapi": "3.1.0", "paths": {}}, OPENAPI),
        ([{"type": "function", "function": FN}], OPENAI),
        ({"tools": [{"type": "function", "function": FN}]}, OPENAI),
        ({"functions": [FN]}, OPENAI),
        ({"type": "function", "function": FN}, OPENAI),
        ([FN], FUNCTIONS),
        (FN, FUNCTIONS),
        ({"tools": [{"name": "f", "inputSchema": {"type": "object"}}]}, MCP),
        ({"jsonrpc": "2.0", "id": 1, "result": {"tools": []}}, MCP),
        ([{"name": "f", "parameters": {"type": "dict", "properties": {"x": {"type": "float"}}}}], BFCL),
        ([{"id": "simple_0", "question": [], "function": [FN]}], BFCL),
    ],
)
def test_each_format_is_recognised(doc, expected):
    assert detect_format(doc, "s.json") == expected


def test_a_nested_bfcl_type_marks_the_document_as_bfcl():
    doc = [{"name": "f", "parameters": {"type": "object", "properties": {"p": {"type": "array", "items": {"type": "tuple"}}}}}]
    assert detect_format(doc, "s.json") == BFCL


def test_swagger_2_and_unknown_documents_are_input_errors():
    with pytest.raises(InputError, match="Swagger 2.0"):
        detect_format({"swagger": "2.0"}, "s.json")
    with pytest.raises(InputError, match="unrecognised spec format"):
        detect_format({"hello": "world"}, "s.json")

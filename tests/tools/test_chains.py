from inftool_jax.tools.chains import Chain, find_chains, response_fields
from inftool_jax.tools.spec import ToolSpec


def tool(name, required=(), response=None, domain="d"):
    props = {r: {"type": "string"} for r in required}
    return ToolSpec(name, "", {"type": "object", "properties": props, "required": list(required)}, response, domain=domain)


def test_response_fields_reach_into_nested_objects_and_arrays():
    schema = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
        "item_id": {"type": "string"}, "price": {"type": "object", "properties": {"amount": {"type": "number"}}}}}}}}
    assert response_fields(schema) == [("items", "items"), ("item_id", "items[].item_id"),
                                       ("price", "items[].price"), ("amount", "items[].price.amount")]


def test_a_returned_field_required_by_another_tool_is_a_chain():
    search = tool("search", response={"type": "object", "properties": {"hits": {"type": "array", "items": {
        "type": "object", "properties": {"flight_id": {"type": "string"}}}}}})
    book = tool("book", required=["flight_id"])
    other = tool("other", required=["flight_id"], domain="elsewhere")
    assert find_chains([search, book]) == [Chain("flight_id", "search", "book", "hits[].flight_id")]
    assert len(find_chains([search, book, other])) == 2
    assert find_chains([search, book, other], same_domain=True) == [Chain("flight_id", "search", "book", "hits[].flight_id")]


def test_optional_inputs_and_self_references_are_not_chains():
    t = tool("t", required=["x"], response={"type": "object", "properties": {"x": {"type": "string"}}})
    u = ToolSpec("u", "", {"type": "object", "properties": {"x": {"type": "string"}}, "required": []})
    assert find_chains([t, u]) == []

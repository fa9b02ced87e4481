from inftool_jax.tools.spec import ToolSpec
from inftool_jax.tools.stats import parameter_stats


def test_parameter_statistics_count_what_synthesis_must_fill():
    params = {"type": "object", "required": ["when", "guests"], "properties": {
        "when": {"type": "string", "format": "date"},
        "guests": {"type": "array", "items": {"type": "object", "properties": {
            "email": {"type": "string", "format": "email"}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
        "size": {"type": "integer", "minimum": 1, "nullable": True},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}},
    }}
    stats = parameter_stats([ToolSpec("t", "", params, {"type": "object"}), ToolSpec("u", "", {"type": "object", "properties": {}, "required": []})])
    assert stats["tools"] == 2 and stats["tools_with_response"] == 1 and stats["tools_without_parameters"] == 1
    assert (stats["parameters"], stats["required"], stats["optional"], stats["with_default"]) == (6, 2, 4, 1)
    assert stats["formats"] == {"date": 1, "email": 1}
    assert stats["types"] == {"string": 4, "array": 2, "object": 1, "integer": 1}
    assert (stats["enums"], stats["ranges"], stats["nullable"]) == (1, 1, 1)
    assert (stats["nested_objects"], stats["arrays"], stats["arrays_of_objects"], stats["arrays_of_scalars"]) == (1, 2, 1, 1)
    assert stats["max_depth"] == 2 and stats["properties_at_any_depth"] == 8

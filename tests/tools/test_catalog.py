import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools import Catalog, load_catalog


def fn(name, props, description="Does a thing.", required=()):
    return {"name": name, "description": description,
            "parameters": {"type": "object", "properties": props, "required": list(required)}}


CITY = {"city": {"type": "string", "description": "City."}}


def test_folders_are_read_recursively_in_sorted_order(write_spec, tmp_path):
    write_spec("b/deep/maps.json", [fn("route", CITY)])
    write_spec("a.yaml", [fn("weather", CITY)])
    write_spec("notes.txt", "ignored: not a spec suffix")
    catalog = load_catalog([tmp_path])
    assert isinstance(catalog, Catalog)
    assert [t.name for t in catalog.tools] == ["weather", "route"]
    assert catalog.domains() == ["a", "maps"]
    assert catalog.by_name("route").domain == "maps"
    assert [t.name for t in catalog.in_domain("a")] == ["weather"]
    with pytest.raises(KeyError):
        catalog.by_name("nope")


def test_identical_tools_are_kept_once_with_all_sources_listed(write_spec):
    first = write_spec("one.json", [fn("weather", CITY, "Weather.")])
    # Same tool in another format and other wording: still identical.
    second = write_spec("two.mcp.json", {"tools": [{"name": "weather", "description": "Current weather.",
                                                     "inputSchema": {"type": "object", "properties": {"city": {"type": "string", "description": "Town."}}}}]})
    catalog = load_catalog([first, second])
    assert [t.name for t in catalog.tools] == ["weather"]
    (entry,) = catalog.merge_report
    assert entry.kind == "duplicate" and entry.sources == [f"{first}#/0", f"{second}#/tools/0"]


def test_same_name_with_a_different_schema_is_renamed_deterministically(write_spec):
    a = write_spec("a.json", [fn("search", CITY)])
    b = write_spec("b.json", [fn("search", {"q": {"type": "string", "description": "Query."}})])
    c = write_spec("c.json", [fn("search", {"n": {"type": "integer", "description": "N."}})])
    catalog = load_catalog([a, b, c])
    assert [t.name for t in catalog.tools] == ["search", "search__2", "search__3"]
    assert [(e.kind, e.renamed_to) for e in catalog.merge_report] == [("renamed", "search__2"), ("renamed", "search__3")]
    assert any("renamed to 'search__2'" in w for w in catalog.warnings)
    assert [t.name for t in load_catalog([a, b, c]).tools] == ["search", "search__2", "search__3"]


def test_the_same_file_given_twice_is_read_once(write_spec, tmp_path):
    path = write_spec("x.json", [fn("weather", CITY)])
    catalog = load_catalog([path, tmp_path])
    assert len(catalog.tools) == 1 and catalog.merge_report == [] and catalog.files == [str(path)]


def test_warnings_name_missing_descriptions_bad_defaults_and_non_identifier_names(write_spec):
    path = write_spec("w.json", [fn("f", {
        "plain": {"type": "string"},
        "count": {"type": "integer", "default": "three", "description": "N."},
        "odd-name": {"type": "string", "description": "D."},
        "nested": {"type": "object", "description": "O.", "properties": {"inner": {"type": "string"}}},
    }, description="")])
    warnings = "\n".join(load_catalog([path]).warnings)
    assert "tool 'f' has no description" in warnings
    assert "parameter 'plain' has no description" in warnings
    assert "parameter 'nested.inner' has no description" in warnings
    assert "parameter 'count' default 'three' does not match" in warnings
    assert "parameter 'odd-name' is not an identifier" in warnings


def test_missing_paths_and_folders_without_specs_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_catalog([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no \\*.json"):
        load_catalog([tmp_path / "empty"])


def test_strict_an_error_in_any_file_stops_loading_with_that_file_named(write_spec, tmp_path):
    # Fail-on-first was the default until issue 13; it is now `strict=True` (`--strict`).
    write_spec("good.json", [fn("ok", CITY)])
    bad = write_spec("z_bad.yaml", "tools: [\n")
    with pytest.raises(InputError) as err:
        load_catalog([tmp_path], strict=True)
    assert err.value.source == str(bad)
    assert [t.name for t in load_catalog([tmp_path]).tools] == ["ok"]


def test_catalog_to_dict_is_plain_json(write_spec):
    import json

    catalog = load_catalog([write_spec("x.json", [fn("weather", CITY)])])
    assert json.loads(json.dumps(catalog.to_dict()))["tools"][0]["name"] == "weather"


def test_hidden_folders_inside_a_spec_folder_are_skipped(write_spec, tmp_path):
    write_spec("ok.json", [fn("weather", CITY)])
    write_spec(".cache/broken.json", "{")
    assert [t.name for t in load_catalog([tmp_path]).tools] == ["weather"]


TYPO_OPENAPI = """\
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /bookings:
    post:
      operationId: book
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                passport_number: {type: string, description: Passport number, needed for international flights.}
                seat: {type: string, nullable: true, example: 12A, readOnly: false, x-internal: yes, description: Seat.}
      responses:
        "201":
          description: Done.
          content:
            application/json:
              schema:
                type: object
                discriminator: {propertyName: kind}
                xml: {name: booking}
                externalDocs: {url: "https://example.com"}
                properties:
                  booking_id: {type: string, deprecated: false, writeOnly: false, colour: red}
"""


def test_unknown_schema_keywords_are_warned_with_file_and_pointer_but_openapi_and_x_keywords_are_not(write_spec):
    path = write_spec("typo.openapi.yaml", TYPO_OPENAPI)
    warnings = [w for w in load_catalog([path]).warnings if "unknown JSON Schema keyword" in w]
    body = "/paths/~1bookings/post/requestBody/content/application~1json/schema"
    assert warnings == [
        f"{path}: {body}/properties/passport_number/needed for international flights.: "
        "unknown JSON Schema keyword 'needed for international flights.' (value None); a typo or an unquoted comma?",
        f"{path}: /paths/~1bookings/post/responses/201/content/application~1json/schema/properties/booking_id/colour: "
        "unknown JSON Schema keyword 'colour' (value 'red'); a typo or an unquoted comma?",
    ]


def test_an_unknown_keyword_in_a_shared_definition_is_warned_once(write_spec):
    money = {"type": "object", "properties": {"amount": {"type": "number", "descripton": "Typo."}}}
    doc = {"name": "f", "description": "F.", "parameters": {"type": "object", "$defs": {"Money": money},
           "properties": {"a": {"$ref": "#/$defs/Money"}, "b": {"$ref": "#/$defs/Money"}}}}
    path = write_spec("shared.json", [doc])
    warnings = [w for w in load_catalog([path]).warnings if "unknown JSON Schema keyword" in w]
    assert warnings == [f"{path}: /0/parameters/$defs/Money/properties/amount/descripton: unknown JSON Schema keyword 'descripton' (value 'Typo.'); a typo or an unquoted comma?"]


def test_bfcl_optional_keyword_is_not_a_typo(write_spec):
    doc = [{"name": "f", "description": "F.", "parameters": {"type": "dict", "properties": {
        "a": {"type": "string", "description": "A.", "optional": True}}}}]
    path = write_spec("w.bfcl.json", doc)
    assert load_catalog([path]).warnings == []

import pytest
from jsonschema import Draft202012Validator

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest import load_spec_file


def api(paths, schemas=None, version="3.1.0", **components):
    doc = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths}
    if schemas or components:
        doc["components"] = {"schemas": schemas or {}, **components}
    return doc


def ok(schema, code="200"):
    return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


PETS = api(
    {
        "/stores/{store_id}/pets": {
            "parameters": [{"name": "store_id", "in": "path", "description": "Store.", "schema": {"type": "string"}}],
            "post": {
                "operationId": "addPet",
                "tags": ["Pet Store", "admin"],
                "summary": "Add a pet.",
                "description": "Adds one pet to a store.",
                "parameters": [
                    {"name": "dry_run", "in": "query", "schema": {"type": "boolean", "default": False}},
                    {"name": "X-Trace-Id", "in": "header", "required": True, "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
                "responses": {"400": {"description": "bad"}, **ok({"$ref": "#/components/schemas/Pet"}, "201")},
            },
            "get": {"responses": ok({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}})},
        }
    },
    {
        "NewPet": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "owner": {"$ref": "#/components/schemas/Owner"}}},
        "Owner": {"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                                                   "phone": {"type": ["string", "null"]}}},
        "Pet": {"allOf": [{"$ref": "#/components/schemas/NewPet"},
                          {"type": "object", "properties": {"pet_id": {"type": "string"}}}]},
    },
)


def test_path_query_header_and_body_parameters_merge_into_one_object(write_spec):
    path = write_spec("pets.openapi.json", PETS)
    specs = {s.name: s for s in load_spec_file(path)}
    add = specs["addPet"]
    props = add.parameters["properties"]
    assert list(props) == ["store_id", "dry_run", "x_trace_id", "name", "owner"]
    assert props["x_trace_id"]["x-original-name"] == "X-Trace-Id"
    assert props["store_id"]["description"] == "Store."
    assert sorted(add.parameters["required"]) == ["name", "store_id", "x_trace_id"]
    assert props["owner"]["properties"]["email"] == {"type": "string", "format": "email"}
    assert any("cookie parameter 'session' skipped" in note for note in add.notes)
    assert add.pointer == "/paths/~1stores~1{store_id}~1pets/post" and add.format == "openapi-3.1"
    assert add.description == "Add a pet. Adds one pet to a store."
    Draft202012Validator.check_schema(add.parameters)


def test_response_schema_comes_from_the_2xx_json_body_with_refs_resolved(write_spec):
    specs = {s.name: s for s in load_spec_file(write_spec("pets.json", PETS))}
    assert set(specs["addPet"].response["properties"]) == {"name", "owner", "pet_id"}
    assert specs["get_stores_store_id_pets"].response["items"]["properties"]["pet_id"] == {"type": "string"}


def test_nullable_type_arrays_of_3_1_are_normalised(write_spec):
    specs = {s.name: s for s in load_spec_file(write_spec("pets.json", PETS))}
    phone = specs["addPet"].parameters["properties"]["owner"]["properties"]["phone"]
    assert phone == {"type": "string", "nullable": True}


def test_domain_is_the_first_tag_else_the_file_name(write_spec):
    specs = {s.name: s for s in load_spec_file(write_spec("zoo.openapi.json", PETS))}
    assert specs["addPet"].domain == "pet_store" and specs["addPet"].tags == ["Pet Store", "admin"]
    assert specs["get_stores_store_id_pets"].domain == "zoo"


def test_openapi_3_0_yaml_with_nullable_and_boolean_exclusive_bounds(write_spec):
    doc = api({"/items": {"get": {"operationId": "list items!", "parameters": [
        {"name": "price_below", "in": "query", "schema": {"type": "number", "maximum": 10, "exclusiveMaximum": True}},
        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date", "nullable": True}},
    ], "responses": {"204": {"description": "none"}}}}}, version="3.0.3")
    (spec,) = load_spec_file(write_spec("shop.yaml", doc))
    assert spec.name == "list_items" and spec.format == "openapi-3.0" and spec.response is None
    assert spec.parameters["properties"]["price_below"] == {"type": "number", "exclusiveMaximum": 10}
    assert spec.parameters["properties"]["since"]["nullable"] is True
    Draft202012Validator.check_schema(spec.parameters)


def test_recursive_component_refs_are_cut_off(write_spec):
    doc = api({"/tree": {"post": {"operationId": "plant", "requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Node"}}}}, "responses": ok({"$ref": "#/components/schemas/Node"})}}},
        {"Node": {"type": "object", "properties": {"label": {"type": "string"},
                                                   "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}})
    (spec,) = load_spec_file(write_spec("tree.json", doc))
    cut = spec.parameters["properties"]["children"]["items"]
    assert cut["type"] == "object" and "cut off" in cut["description"]
    assert spec.parameters["required"] == []  # the body is optional, so nothing inside it is required
    Draft202012Validator.check_schema(spec.parameters)


def test_parameter_and_request_body_refs_resolve(write_spec):
    doc = api({"/o/{id}": {"put": {"operationId": "put_o", "parameters": [{"$ref": "#/components/parameters/Id"}],
                                   "requestBody": {"$ref": "#/components/requestBodies/Body"}, "responses": {}}}},
              parameters={"Id": {"name": "id", "in": "path", "schema": {"type": "integer"}}},
              requestBodies={"Body": {"required": True, "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}})
    (spec,) = load_spec_file(write_spec("o.json", doc))
    assert spec.parameters["properties"] == {"id": {"type": "integer"}, "body": {"type": "array", "items": {"type": "string"}}}
    assert spec.parameters["required"] == ["id", "body"]


def test_operation_level_parameters_override_path_level_ones(write_spec):
    doc = api({"/a": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                      "get": {"parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "integer"}}], "responses": {}}}})
    (spec,) = load_spec_file(write_spec("a.json", doc))
    assert spec.parameters["properties"] == {"q": {"type": "integer"}} and spec.parameters["required"] == ["q"]


@pytest.mark.parametrize(
    ("doc", "pointer", "problem"),
    [
        (api({"/a": {"get": {"responses": ok({"$ref": "#/components/schemas/Nope"})}}}),
         "/paths/~1a/get/responses/200/content/application~1json/schema/$ref", "broken $ref '#/components/schemas/Nope'"),
        (api({"/a": {"get": {"parameters": [{"in": "query", "schema": {"type": "string"}}], "responses": {}}}}),
         "/paths/~1a/get/parameters/0", "parameter has no name"),
        (api({"/a": {"get": {"parameters": [{"name": "x", "in": "body"}], "responses": {}}}}),
         "/paths/~1a/get/parameters/0/in", "parameter location"),
        (api({"/a": {"get": {"parameters": [{"name": "x", "in": "query", "schema": {"$ref": "#/components/schemas/T"}}], "responses": {}}}},
             {"T": {"type": "uuid"}}),
         "/components/schemas/T/type", "unknown type 'uuid'"),
        (api({"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Gone"}], "responses": {}}}}),
         "/paths/~1a/get/parameters/0/$ref", "broken $ref"),
        (api({}, version="2.5"), "/openapi", "unsupported OpenAPI version"),
    ],
)
def test_malformed_openapi_names_file_and_pointer(write_spec, doc, pointer, problem):
    path = write_spec("bad.json", doc)
    with pytest.raises(InputError) as err:
        load_spec_file(path)
    assert (err.value.source, err.value.pointer) == (str(path), pointer)
    assert problem in err.value.problem


"""Credential and transport parameters never become arguments (issue 13 §1), on real specs."""

import json
from pathlib import Path

from inftool_jax.tools import load_catalog
from inftool_jax.tools.ingest import load_spec_file
from inftool_jax.tools.ingest_log import IngestLog

FIXTURES = Path(__file__).parent / "fixtures"
GOOGLE_STANDARD = {"$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token", "prettyPrint",
                   "quotaUser", "upload_protocol", "uploadType"}


def test_google_standard_query_parameters_are_dropped_and_reported():
    catalog = load_catalog([FIXTURES / "google_tasks.openapi.json"])
    listing = catalog.by_name("tasks_tasks_list").parameters
    assert set(listing["properties"]) == {"tasklist", "completedMax", "maxResults", "showCompleted"}
    for tool in catalog.tools:
        assert not GOOGLE_STANDARD & set(tool.parameters["properties"]), tool.name
    assert len(catalog.dropped_parameters) == 4 * len(GOOGLE_STANDARD)
    reasons = {d["parameter"]: d["reason"] for d in catalog.dropped_parameters}
    assert reasons["access_token"].startswith("credential") and reasons["key"].startswith("credential")
    assert reasons["prettyPrint"].startswith("transport")
    assert any("dropped 44 credential/transport parameters from 4 tools" in w for w in catalog.warnings)


def test_keep_transport_params_keeps_them():
    catalog = load_catalog([FIXTURES / "google_tasks.openapi.json"], keep_transport_params=True)
    kept = catalog.by_name("tasks_tasks_get").parameters["properties"]
    assert GOOGLE_STANDARD - {"$.xgafv"} <= set(kept) and kept["xgafv"]["x-original-name"] == "$.xgafv"
    assert catalog.dropped_parameters == []


def test_security_scheme_parameters_are_dropped_petstore():
    log = IngestLog()
    specs = {s.name: s for s in load_spec_file(FIXTURES / "petstore.openapi.yaml", log)}
    assert list(specs["deletePet"].parameters["properties"]) == ["petId"]
    (dropped,) = log.dropped
    assert (dropped.tool, dropped.parameter, dropped.location, dropped.reason) == ("deletePet", "api_key", "header", "credential (security scheme)")


def test_an_api_of_its_own_key_keeps_it(write_spec):
    # A key-value store's `key` (and `fields`) are its data, not Google's standard parameters.
    doc = {"openapi": "3.0.0", "info": {"title": "kv", "version": "1"}, "paths": {"/kv": {"get": {
        "operationId": "get_value", "parameters": [
            {"name": "key", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "fields", "in": "query", "schema": {"type": "string"}},
            {"name": "Authorization", "in": "header", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}}}}}
    catalog = load_catalog([write_spec("kv.json", doc)])
    assert list(catalog.by_name("get_value").parameters["properties"]) == ["key", "fields"]
    assert [d["parameter"] for d in catalog.dropped_parameters] == ["Authorization"]
    assert json.loads(json.dumps(catalog.to_dict()))["dropped_parameters"][0]["location"] == "header"

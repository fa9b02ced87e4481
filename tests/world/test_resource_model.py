"""Resource keys from the API's structure (tests/world/fixtures/real_specs: GitHub, Google Tasks, Twilio, Stripe,
Petstore OpenAPI excerpts; the MCP filesystem and knowledge-graph memory servers' tools/list answers)."""

from pathlib import Path

import pytest

from inftool_jax.tools.catalog import load_catalog
from inftool_jax.world.resource_model import build_model, path_params, resource_chains
from inftool_jax.world.simulator import ToolSimulator

SPECS = Path(__file__).resolve().parent / "fixtures" / "real_specs"


@pytest.fixture(scope="module")
def tools():
    return load_catalog([SPECS]).tools


@pytest.fixture(scope="module")
def model(tools):
    return build_model(tools)


@pytest.fixture()
def sim(tools):
    return ToolSimulator(tools, seed=3)


def test_keys_come_from_path_templates_not_name_suffixes(model, tools):
    b = model["tasks_tasks_get"]
    assert (b.kind, b.key_param, b.key_field) == ("read", "task", "id")
    assert model["tasks_tasks_insert"].collection == b.collection != model["tasks_tasklists_get"].collection
    assert (model["FetchMessage"].key_param, model["FetchMessage"].key_field) == ("Sid", "sid")
    assert (model["issues_get"].key_param, model["issues_get"].key_field) == ("issue_number", "number")
    assert model["PostPaymentIntentsIntentCancel"].kind == "cancel" and model["PostPaymentIntentsIntentCapture"].kind == "update"
    assert model["findPetsByStatus"].kind == "list" and model["findPetsByStatus"].collection == model["getPetById"].collection
    assert path_params(next(t for t in tools if t.name == "repos_get-content")) == {"owner", "repo", "path"}


def test_mcp_tools_pair_up_over_a_path_and_over_entity_names(model):
    assert {model[n].kind for n in ("write_file", "read_file", "list_directory")} == {"create", "read", "list"}
    assert model["read_file"].key_param == "path" and model["write_file"].client_key
    assert (model["create_entities"].batch, model["create_entities"].key_field) == ("entities", "name")
    assert (model["open_nodes"].kind, model["delete_entities"].kind, model["add_observations"].kind) == ("read", "delete", "update")
    assert len({model[n].collection for n in ("create_entities", "open_nodes", "delete_entities", "search_nodes")}) == 1


def test_google_tasks_create_read_delete_and_unknown(sim):
    made = sim.call("tasks_tasks_insert", {"tasklist": "MDE5MjQ", "title": "File the quarterly report", "due": "2026-03-02T00:00:00Z"})
    assert made.ok
    task = made.content["id"]
    got = sim.call("tasks_tasks_get", {"tasklist": "MDE5MjQ", "task": task})
    assert got.ok and got.content["title"] == "File the quarterly report" and got.content["due"] == "2026-03-02T00:00:00Z"
    listed = sim.call("tasks_tasks_list", {"tasklist": "MDE5MjQ"})
    assert [t["id"] for t in listed.content["items"]][:1] == [task]
    assert task not in sim.call("tasks_tasks_list", {"tasklist": "OTHERLIST"}).to_text()  # another list's tasks
    assert sim.call("tasks_tasks_delete", {"tasklist": "MDE5MjQ", "task": task}).ok
    gone = sim.call("tasks_tasks_get", {"tasklist": "MDE5MjQ", "task": task})
    assert not gone.ok and gone.content["error"]["code"] == 404
    assert sim.call("tasks_tasks_get", {"tasklist": "MDE5MjQ", "task": "bm90LWEtdGFzaw"}).content["error"]["code"] == 404


def test_twilio_echoes_the_request_and_finds_by_sid(sim):
    account = "AC" + "0123456789abcdef" * 2
    made = sim.call("CreateIncomingPhoneNumber", {"AccountSid": account, "FriendlyName": "Support line", "PhoneNumber": "+14155550100"})
    assert made.ok and made.content["friendly_name"] == "Support line" and made.content["phone_number"] == "+14155550100"
    sid = made.content["sid"]
    assert sid.startswith("PN")
    assert sim.call("FetchIncomingPhoneNumber", {"AccountSid": account, "Sid": sid}).content["friendly_name"] == "Support line"


def test_filesystem_and_memory_keep_what_was_written(sim):
    assert sim.call("write_file", {"path": "/data/notes/todo.md", "content": "buy milk"}).ok
    assert sim.call("read_file", {"path": "/data/notes/todo.md"}).content["content"] == "buy milk"
    assert "/data/notes/todo.md" in sim.call("list_directory", {"path": "/data/notes"}).to_text()
    assert sim.call("list_directory", {"path": "/data/other"}).content["items"] == []
    assert sim.call("read_file", {"path": "/data/notes/missing.md"}).content["error"]["code"] == 404
    entity = {"name": "Ada_Lovelace", "entityType": "person", "observations": ["wrote the first program"]}
    assert sim.call("create_entities", {"entities": [entity]}).ok
    assert sim.call("add_observations", {"observations": [{"entityName": "Ada_Lovelace", "contents": ["born 1815"]}]}).ok
    node = sim.call("open_nodes", {"names": ["Ada_Lovelace"]}).content["entities"][0]
    assert node["observations"] == ["wrote the first program", "born 1815"]
    assert sim.call("delete_entities", {"entityNames": ["Ada_Lovelace"]}).ok
    assert sim.call("open_nodes", {"names": ["Ada_Lovelace"]}).content["error"]["code"] == 404


def test_stripe_cancel_sets_the_enum_spelling_and_a_second_cancel_conflicts(sim):
    made = sim.call("PostPaymentIntents", {"amount": 2000, "currency": "usd"})
    intent = made.content["id"]
    assert made.content["status"] != "canceled"
    assert sim.call("PostPaymentIntentsIntentCancel", {"intent": intent}).content["status"] == "canceled"
    assert sim.call("PostPaymentIntentsIntentCancel", {"intent": intent}).content["error"]["code"] == 409


def test_a_petstore_id_is_not_another_apis_record(sim):
    pet = sim.call("addPet", {"id": 10, "name": "doggie", "photoUrls": []})
    assert pet.ok
    assert sim.call("getPetById", {"petId": 10}).content["name"] == "doggie"
    # GitHub's issue 10 is another collection's key: not found, though the key is the same
    assert sim.call("issues_get", {"owner": "octocat", "repo": "hello-world", "issue_number": 10}).content["error"]["code"] == 404


def test_chains_stay_within_one_api(tools, model):
    chains = resource_chains(tools, model)
    by_name = {t.name: t for t in tools}
    assert ("issues_create", "issues_get", "issue_number", "number") in {(c.producer, c.consumer, c.arg, c.field) for c in chains}
    assert ("CreateMessage", "FetchMessage", "Sid", "sid") in {(c.producer, c.consumer, c.arg, c.field) for c in chains}
    assert all(by_name[c.producer].source == by_name[c.consumer].source for c in chains)

"""The figures of issue 13 on real public specs (tests/world/fixtures/real_specs, sources named in each file).

`inftool synth` runs 200 episodes over GitHub, Google Tasks, Twilio, Stripe, Open-Meteo, Petstore, the MCP
filesystem and memory servers and xLAM entries, with the `plausible` gate off so the shares measure the
generators themselves: identifier-like values with spaces, fractional ids, unparseable date-times,
credential parameters passed. The create/read/delete state checks run every collection the resource model
finds through the simulator. Run as a script to print the figures:
`python tests/world/test_realistic_values.py`.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SPECS = FIXTURES / "real_specs"
CREDENTIALS = {"access_token", "key", "api_key", "apikey", "oauth_token", "callback", "fields", "alt", "prettyPrint",
               "quotaUser", "upload_protocol", "uploadType", "$.xgafv", "token", "password", "client_secret"}


def synth_figures(out: Path, num: int = 200) -> dict:
    """Run `inftool synth` on the fixtures and measure the values of every call it kept."""
    from inftool_jax.cli import main

    code = main(["synth", "--config", str(FIXTURES / "realistic.yaml"), "--out", str(out), "--num", str(num),
                 "--seed", "0", "--quiet", "synth.verification.plausible=false", "synth.fsync_every=0"])
    assert code == 0
    return measure(out)


def measure(out: Path) -> dict:
    """The shares of implausible values in the episodes of a synthesis folder ``out``."""
    from inftool_jax.world.plausibility import leaves, problem
    from inftool_jax.world.value_hints import INTEGER_HINTS, hint_for

    counts = {k: 0 for k in ("identifier_values", "identifier_spaces", "id_numbers", "fractional_ids", "date_times",
                             "unparseable_date_times", "credential_args", "arguments", "implausible")}
    episodes = [json.loads(line) for p in sorted(out.glob("episodes-*.jsonl")) for line in p.read_text().splitlines()]
    for ep in episodes:
        tools = {t["function"]["name"]: t["function"]["parameters"] for t in ep["tools"]}
        for msg in ep["messages"]:
            for tc in msg.get("tool_calls") or []:
                args = json.loads(tc["function"]["arguments"])
                counts["credential_args"] += sum(1 for k in args if k in CREDENTIALS)
                for name, schema, value in leaves(args, tools[tc["function"]["name"]]):
                    counts["arguments"] += 1
                    counts["implausible"] += problem(name, schema, value) is not None
                    hint = hint_for(name, schema)
                    if hint in ("identifier", "path") and isinstance(value, str):
                        counts["identifier_values"] += 1
                        counts["identifier_spaces"] += any(ch.isspace() for ch in value)
                    if hint in INTEGER_HINTS and isinstance(value, (int, float)) and not isinstance(value, bool):
                        counts["id_numbers"] += 1
                        counts["fractional_ids"] += isinstance(value, float)
                    if hint == "date-time" and isinstance(value, str):
                        counts["date_times"] += 1
                        counts["unparseable_date_times"] += problem(name, schema, value) is not None
    counts["episodes"] = len(episodes)
    return counts


def state_checks() -> dict[str, list[bool]]:
    """create -> read returns what was created, delete -> read is not found, unknown keys are not found,
    list shows what exists: for every collection of the fixtures' resource model, through the simulator."""
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.planner import Planner
    from inftool_jax.tools.catalog import load_catalog
    from inftool_jax.world.named_values import name_tokens
    from inftool_jax.world.resource_model import build_model
    from inftool_jax.world.simulator import ToolSimulator

    tools = load_catalog([SPECS]).tools
    model = build_model(tools)
    planner = Planner(tools, SynthConfig(), 0)
    sim = ToolSimulator(tools, seed=0)
    checks: dict[str, list[bool]] = {"create_read": [], "delete_read": [], "unknown": [], "list": []}
    by_coll: dict[str, dict[str, list]] = {}
    for b in model.values():
        by_coll.setdefault(b.collection, {}).setdefault(b.kind, []).append(b)
    for i, (coll, kinds) in enumerate(sorted(by_coll.items())):
        for create in kinds.get("create", []):
            rng = random.Random(f"state:{coll}:{create.tool}")
            for read in kinds.get("read", []):
                sim.reset(i)
                args = {k: v.value for k, v in planner.make_call(create.tool, rng).args.items()}
                made = sim.call(create.tool, args)
                keys, read_args = _keys_and_read(create, read, args, made.content)
                got = sim.call(read.tool, read_args)
                given = _given(create, args)
                checks["create_read"].append(made.ok and got.ok and _shows(got.content, given, name_tokens))
                if not checks["create_read"][-1]:
                    print("create_read", create.tool, args, made.to_text()[:300], read.tool, read_args, got.to_text()[:300])
                for delete in kinds.get("delete", []):
                    _, del_args = _keys_and_read(create, delete, args, made.content)
                    gone = sim.call(delete.tool, del_args)
                    checks["delete_read"].append(gone.ok and sim.call(read.tool, read_args).error is not None
                                                 and "not found" in sim.call(read.tool, read_args).error)
                    break
                unknown = {**read_args, read.key_param: ["no-such-key"] if read.batch else _unknown(read_args[read.key_param])}
                miss = sim.call(read.tool, unknown)
                checks["unknown"].append(not miss.ok and "not found" in (miss.error or ""))
                if not checks["unknown"][-1]:
                    print("unknown", read.tool, unknown, miss.to_text()[:300])
            for lister in kinds.get("list", []):
                sim.reset(100 + i)
                args = {k: v.value for k, v in planner.make_call(create.tool, rng).args.items()}
                made = sim.call(create.tool, args)
                list_args = {k: v for k, v in args.items() if k in (sim.tool(lister.tool).known_args or ())
                             and k in planner._in_path[lister.tool]}
                if lister.key_param and not create.batch:
                    list_args[lister.key_param] = str(args[create.key_param]).rsplit("/", 1)[0]
                keys, _ = _keys_and_read(create, kinds.get("read", [create])[0], args, made.content)
                searched = False
                for p in sim.tool(lister.tool).spec.parameters.get("required") or []:
                    if p not in list_args:
                        list_args[p] = keys[0]  # search_nodes(query): search for what was made
                        searched = True
                listed = sim.call(lister.tool, list_args)
                # A search for the first record shows that one (the others need not match the query).
                expected = keys[:1] if searched else keys
                checks["list"].append(listed.ok and all(json.dumps(k) in listed.to_text() for k in expected))
                if not checks["list"][-1]:
                    print("list", create.tool, args, made.to_text()[:200], lister.tool, list_args, listed.to_text()[:300])
    return checks


def _unknown(value):
    """A key of the same shape (so the schema accepts it) that names nothing: its last character changed."""
    if isinstance(value, int):
        return value + 987654
    last = value[-1]
    other = ("0" if last != "0" else "1") if last.isdigit() or last in "abcdefABCDEF" else ("a" if last != "a" else "b")
    return value[:-1] + other


def _given(create, args) -> dict:
    if create.batch:
        return args[create.batch][0]
    return {k: v for k, v in args.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


def _shows(content, given: dict, name_tokens) -> bool:
    """Every value the create was given for a field the record has is what the read returned (under the read's
    own spelling: FriendlyName -> friendly_name); at least one such field is compared."""
    record = content if isinstance(content, dict) else {}
    if len(record) == 1 and isinstance(next(iter(record.values())), list):  # {"entities": [...]}
        record = next(iter(record.values()))[0]
    fields = {"_".join(name_tokens(k)): v for k, v in record.items()}
    shared = {k: v for k, v in given.items() if "_".join(name_tokens(k)) in fields}
    return bool(shared) and all(fields["_".join(name_tokens(k))] == v for k, v in shared.items())


def _keys_and_read(create, read, args: dict, made: dict):
    """The created records' keys, and the arguments that read (or delete) the first of them."""
    if create.batch:
        keys = [item[create.key_field] for item in args[create.batch]]
        return keys, {read.key_param: keys[:1]}
    if create.key_param:
        keys = [args[create.key_param]]
    else:
        record = made if create.key_field in made else next((v for v in made.values() if isinstance(v, dict)), made)
        keys = [record[create.key_field]]
    read_args = {k: v for k, v in args.items() if k != create.key_param and k in _path_vars(read)}
    read_args[read.key_param] = keys[0]
    return keys, read_args


def _path_vars(binding) -> set[str]:
    coll = binding.collection.split("#", 1)[-1]
    return {seg[1:-1] for seg in coll.split("/") if seg.startswith("{") and seg.endswith("}")}


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    return synth_figures(tmp_path_factory.mktemp("realistic") / "run")


def test_identifiers_have_no_spaces_ids_are_whole_and_date_times_parse(figures):
    assert figures["episodes"] == 200
    assert figures["identifier_values"] > 300 and figures["id_numbers"] > 30 and figures["date_times"] > 20
    assert figures["identifier_spaces"] == 0
    assert figures["fractional_ids"] == 0
    assert figures["unparseable_date_times"] == 0
    assert figures["credential_args"] == 0
    assert figures["implausible"] / figures["arguments"] < 0.01


def test_every_collection_keeps_state_create_read_delete_unknown_list():
    checks = state_checks()
    assert len(checks["create_read"]) >= 8 and len(checks["delete_read"]) >= 4 and len(checks["list"]) >= 5
    for name, results in checks.items():
        assert all(results), (name, results)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fig = synth_figures(Path(tmp) / "run")
    if len(sys.argv) > 1:  # measure another run's folder (e.g. one made by an older checkout)
        fig = measure(Path(sys.argv[1]))
    print(json.dumps(fig, indent=1))
    for name, results in state_checks().items():
        print(f"{name}: {sum(results)}/{len(results)} pass")
    sys.exit(0)

"""`inftool specs inspect` (the command module lives in inftool_jax/commands/specs.py)."""

import json
import subprocess
import sys
from pathlib import Path

from inftool_jax.cli import main

WEATHER = Path(__file__).resolve().parents[2] / "configs" / "specs" / "weather.bfcl.json"


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "inftool_jax", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_malformed_spec_gives_one_stderr_line_and_exit_2_without_traceback(write_spec):
    bad = write_spec("bad.json", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {
        "type": "object", "properties": {"a": {"type": "strng"}}}}}]})
    result = run_cli("specs", "inspect", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"inftool: error: {bad}: /tools/0/function/parameters/properties/a/type: unknown type 'strng' (expected one of object, array, string, number, integer, boolean, null)\n"
    assert "Traceback" not in result.stderr


def test_empty_file_error_has_the_same_one_line_shape(write_spec):
    bad = write_spec("empty.yaml", "")
    result = run_cli("specs", "inspect", str(bad))
    assert (result.returncode, result.stderr) == (2, f"inftool: error: {bad}: empty file\n")


def test_json_report_lists_sources_domains_stats_chains_and_merges(write_spec, tmp_path, capsys):
    fn = {"name": "make", "description": "Make.", "parameters": {"type": "object", "properties": {}},
          "response": {"type": "object", "properties": {"thing_id": {"type": "string"}}}}
    use = {"name": "use", "description": "Use.", "parameters": {"type": "object", "required": ["thing_id"],
                                                                "properties": {"thing_id": {"type": "string", "description": "T."}}}}
    write_spec("shop.json", [fn, use])
    write_spec("copy.json", [fn])
    assert main(["specs", "inspect", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [row["tools"] for row in report["by_source"]] == [["make"], ["use"]]
    assert report["by_domain"] == {"copy": ["make"], "shop": ["use"]}
    assert report["stats"]["tools"] == 2
    assert [c["text"] for c in report["chains"]] == ["make.thing_id -> use(thing_id)"]
    assert report["merge_report"][0]["kind"] == "duplicate"


def test_table_output_shows_every_section(capsys):
    assert main(["specs", "inspect", str(WEATHER)]) == 0
    out = capsys.readouterr().out
    for heading in ("Tools per source", "Tools per domain", "Parameter statistics", "Id chains", "Merge report", "Warnings"):
        assert heading in out
    assert "get_weather_forecast" in out


def test_help_does_not_import_jax():
    code = "import sys\nfrom inftool_jax.cli import main\ntry:\n    main(['specs', 'inspect', '--help'])\nexcept SystemExit:\n    pass\nprint('jax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "inftool specs inspect configs/specs" in result.stdout
    assert result.stdout.strip().endswith("False")


def test_inspect_shows_unknown_schema_keyword_warnings(write_spec, capsys):
    path = write_spec("typo.json", [{"name": "f", "description": "F.", "parameters": {"type": "object", "properties": {
        "a": {"type": "string", "description": "A", "needed later.": None}}}}])
    assert main(["specs", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Warnings (1)" in out
    assert f"{path}: /0/parameters/properties/a/needed later.: unknown JSON Schema keyword 'needed later.'" in out

"""One bad file or tool no longer sinks the catalog; --strict restores fail-on-first (issue 13 §3)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools import load_catalog

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "inftool_jax", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def mixed(tmp_path):
    """Real specs next to a broken file and a real listing with one broken tool."""
    shutil.copy(FIXTURES / "petstore.openapi.yaml", tmp_path / "petstore.openapi.yaml")
    listing = json.loads((FIXTURES / "mcp_filesystem.json").read_text())
    listing["tools"][3]["inputSchema"]["properties"]["path"]["type"] = "strng"  # list_directory
    (tmp_path / "fs.mcp.json").write_text(json.dumps(listing))
    (tmp_path / "truncated.json").write_text('{"tools": [')
    return tmp_path


def test_bad_file_and_bad_tool_are_skipped_with_file_pointer_and_reason(mixed):
    lines = []
    catalog = load_catalog([mixed], warn=lines.append)
    names = {t.name for t in catalog.tools}
    assert "getPetById" in names and "read_file" in names and "list_directory" not in names
    assert len(catalog.tools) == 3 + 7
    assert f"{mixed / 'fs.mcp.json'}: /tools/3/inputSchema/properties/path/type: unknown type 'strng'" in lines[0]
    assert lines[0].endswith("(tool skipped)")
    assert f"{mixed / 'truncated.json'}: /: invalid JSON at line 1" in lines[1] and lines[1].endswith("(file skipped)")
    summary = {row["file"]: row for row in catalog.file_summary}
    assert summary[str(mixed / "fs.mcp.json")]["kept"] == 7 and summary[str(mixed / "fs.mcp.json")]["skipped"] == 1
    assert summary[str(mixed / "truncated.json")]["file_skipped"]
    assert f"{mixed / 'fs.mcp.json'}: 7 tools kept, 1 skipped" in lines
    assert f"{mixed / 'truncated.json'}: file skipped, no tools kept" in lines
    assert [s["kind"] for s in catalog.skipped] == ["tool", "file"]


def test_strict_stops_at_the_first_problem(mixed):
    with pytest.raises(InputError) as err:
        load_catalog([mixed], strict=True)
    assert err.value.source == str(mixed / "fs.mcp.json") and err.value.pointer == "/tools/3/inputSchema/properties/path/type"


def test_a_bad_openapi_operation_is_skipped_and_its_neighbours_kept(tmp_path):
    doc = json.loads((FIXTURES / "google_tasks.openapi.json").read_text())
    doc["paths"]["/tasks/v1/lists/{tasklist}/tasks/{task}"]["delete"]["parameters"][1]["schema"] = {"$ref": "#/components/schemas/Missing"}
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps(doc))
    catalog = load_catalog([path])
    assert [t.name for t in catalog.tools] == ["tasks_tasks_list", "tasks_tasks_insert", "tasks_tasks_get"]
    (skip,) = catalog.skipped
    assert skip["pointer"] == "/paths/~1tasks~1v1~1lists~1{tasklist}~1tasks~1{task}/delete/parameters/1/schema/$ref"
    assert "broken $ref" in skip["problem"]


def test_cli_exit_2_only_when_nothing_usable_remains(mixed, tmp_path):
    ok = run_cli("specs", "inspect", str(mixed), "--json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert len(report["skipped"]) == 2 and any("1 skipped" in w for w in report["warnings"])
    strict = run_cli("specs", "inspect", str(mixed), "--strict")
    assert strict.returncode == 2 and strict.stderr.count("\n") == 1 and "unknown type 'strng'" in strict.stderr
    (tmp_path / "only_bad").mkdir()
    (tmp_path / "only_bad" / "a.json").write_text("{")
    (tmp_path / "only_bad" / "b.json").write_text("[1, 2]")
    nothing = run_cli("specs", "inspect", str(tmp_path / "only_bad"))
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert nothing.stderr.startswith("inftool: error: ") and nothing.stderr.count("\n") == 1
    assert "(and 1 more problems: no usable tool remains)" in nothing.stderr

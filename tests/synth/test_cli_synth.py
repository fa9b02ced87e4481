import json
import subprocess
import sys
from pathlib import Path

import pytest

from inftool_jax.cli import main
from inftool_jax.synth.config import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
SPECS = f"specs=[{ROOT / 'configs' / 'specs'}]"


def test_synth_prints_a_table_per_category_and_writes_the_manifest(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["synth", "--out", str(out), "--num", "240", "--seed", "2", "--quiet", SPECS, "synth.fsync_every=0"])
    assert code == 0
    text = capsys.readouterr().out
    for cat in CATEGORIES:
        assert cat in text
    assert "planned" in text and "kept 240/240" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept"] == 240 and manifest["complete"]
    assert manifest["planned"] == manifest["kept"] + manifest["rejected"]
    per = manifest["per_category"]
    assert sum(c["kept"] for c in per.values()) == 240
    assert sum(c["planned"] for c in per.values()) == manifest["planned"]
    div = manifest["diversity"]
    assert set(div["category_mix"]) == set(CATEGORIES)
    assert abs(sum(v["achieved"] for v in div["category_mix"].values()) - 1) < 1e-3
    assert div["distinct_tools_used"] > 20 and div["distinct_argument_values"] > 300
    assert manifest["config"]["categories"]["single"] == 2.0
    rejected = [json.loads(line) for p in out.glob("rejected-*.jsonl") for line in p.read_text().splitlines()]
    assert len(rejected) == manifest["rejected"]
    assert all(r["reasons"] and r["reasons"][0]["gate"] for r in rejected)


def test_same_out_without_resume_is_an_input_error(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["synth", "--out", str(out), "--num", "5", "--quiet", SPECS]) == 0
    assert main(["synth", "--out", str(out), "--num", "5", "--quiet", SPECS]) == 2
    assert "pass --resume" in capsys.readouterr().err


def test_unknown_synth_key_names_file_and_key(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("synth:\n  difficulty:\n    paralel_max: 3\n")
    assert main(["synth", "--config", str(cfg), "--out", str(tmp_path / "o"), "--num", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(cfg) in err[0] and "synth.difficulty.paralel_max" in err[0]


def test_bad_override_value_is_blamed_on_the_command_line(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "o"), "--num", "5", SPECS, "synth.verification.lsh_bands=7"]) == 2
    assert "<command line>" in capsys.readouterr().err


def test_cpu_tiny_config_loads_and_names_its_specs():
    from inftool_jax.commands.synth_settings import load_synth_settings

    s = load_synth_settings(str(ROOT / "configs" / "cpu_tiny.yaml"))
    assert s.synth.num_episodes == 3000 and s.spec_paths[0] == ROOT / "configs" / "specs"


def test_help_mentions_an_example_and_does_not_import_jax():
    res = subprocess.run([sys.executable, "-c", "import sys; from inftool_jax.cli import main\n"
                          "try: main(['synth', '--help'])\nexcept SystemExit: pass\nprint('jax' in sys.modules)"],
                         capture_output=True, text=True, cwd=ROOT)
    assert "inftool synth --config" in res.stdout and res.stdout.strip().endswith("False")


def _user_states_the_task(body):
    """A model-free endpoint playing the User Simulator: the task's lines, values verbatim."""
    task = body["messages"][-1]["content"].removesuffix("\n\nWrite the user's message now.")
    return {"role": "assistant", "content": task.split("\n\n")[-1]}


def test_synth_with_an_openai_user_prints_and_records_the_client_counters(tmp_path, capsys):
    from inftool_jax.serve.loopback import AppThread
    from inftool_jax.serve.scripted_chat import scripted_chat_app

    out = tmp_path / "run"
    with AppThread(scripted_chat_app(_user_states_the_task)) as url:
        code = main(["synth", "--out", str(out), "--num", "30", "--seed", "3", "--quiet", SPECS, "synth.fsync_every=0",
                     "synth.backends.user=openai", f"synth.openai.base_url={url}/v1", "synth.openai.max_concurrency=5"])
    assert code == 0
    text = capsys.readouterr().out
    assert "in flight peak/mean/limit" in text and "openai:default" in text and "(5 workers)" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept"] == 30 and manifest["workers_this_session"] == 5
    client = manifest["backends_this_session"]["openai:default"]
    assert client["roles"] == ["user"] and client["limit"] == 5 and 1 < client["in_flight_peak"] <= 5
    assert client["calls"] >= manifest["planned"] and client["failures"] == 0 and client["latency_p50_s"] > 0


def test_workers_below_one_is_an_input_error(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "o"), "--num", "5", "--workers", "0", SPECS]) == 2
    assert "--workers" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["open_meteo.openapi.yaml", "memory.mcp.yaml"])
def test_the_shipped_config_on_a_single_real_api_runs_and_records_what_it_left_out(tmp_path, spec, capsys):
    """A single real API rarely serves all eight categories: those it cannot serve are left out with a warning
    and recorded in the manifest, not an exit 2."""
    from inftool_jax.cli import main

    fixture = ROOT / "tests" / "world" / "fixtures" / "real_specs" / spec
    out = tmp_path / "run"
    code = main(["synth", "--config", str(ROOT / "configs" / "cpu_tiny.yaml"), "--out", str(out), "--num", "20",
                 "--quiet", f"specs=[{fixture}]"])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kept"] == 20 and manifest["dropped_categories"]
    err = capsys.readouterr().err
    for category in manifest["dropped_categories"]:
        assert f"synth.categories.{category}: left out of the mix" in err

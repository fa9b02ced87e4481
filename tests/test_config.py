import subprocess
import sys

import pytest

from inftool_jax.config import load_config
from inftool_jax.errors import InputError


def test_cpu_tiny_loads_and_resolves_paths_against_its_folder():
    cfg = load_config("configs/cpu_tiny.yaml")
    assert cfg.name == "cpu_tiny"
    assert cfg.resolve("specs").name == "specs"
    assert cfg.resolve("specs").parent.name == "configs"


def test_override_sets_nested_value_with_yaml_typing():
    cfg = load_config("configs/cpu_tiny.yaml", ["mesh.fsdp=4", "seed=7", "model.compute_dtype=bfloat16"])
    assert (cfg.mesh.fsdp, cfg.seed, cfg.model.compute_dtype) == (4, 7, "bfloat16")


def test_unknown_override_key_is_named():
    with pytest.raises(InputError) as err:
        load_config("configs/cpu_tiny.yaml", ["mesh.fspd=4"])
    assert err.value.source == "<command line>" and "fspd" in str(err.value)


def test_wrong_type_in_file_names_file_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("mesh:\n  tp: two\n")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert err.value.source == str(path) and err.value.pointer == "mesh.tp"


def test_unknown_key_in_file_is_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model:\n  pth: x\n")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert err.value.pointer == "model.pth" and "unknown key" in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "line" in err.value.pointer


def test_cli_config_error_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("seed: [\n")
    proc = subprocess.run(
        [sys.executable, "-m", "inftool_jax", "config", "show", "--config", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and str(path) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_help_does_not_import_jax():
    code = "import sys; from inftool_jax.cli import build_parser; build_parser(); print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

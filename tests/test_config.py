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


@pytest.mark.parametrize(
    "old, new",
    [
        ("grpo.group_size", "grpo.num_generations"),
        ("grpo.eps_low", "grpo.epsilon"),
        ("grpo.eps_high", "grpo.epsilon_high"),
        ("grpo.loss_aggregation", "grpo.loss_type"),
        ("grpo.max_completion_len", "grpo.max_completion_length"),
        ("grpo.advantage", "grpo.scale_rewards"),
        ("grpo.updates_per_rollout", "grpo.steps_per_generation"),
        ("train.learning_rate", "sft.learning_rate / grpo.learning_rate"),
        ("train.max_steps", "sft.max_steps / grpo.max_steps"),
        ("train.warmup_steps", "sft.warmup_steps / grpo.warmup_steps"),
    ],
)
def test_an_old_key_is_refused_naming_the_new_one_in_a_file_and_an_override(tmp_path, old, new):
    section, key = old.split(".")
    path = tmp_path / "x.yaml"
    path.write_text(f"{section}:\n  {key}: 1\n")
    with pytest.raises(InputError) as err:
        load_config(path)
    assert (err.value.source, err.value.pointer) == (str(path), old) and new in err.value.problem
    assert str(err.value).startswith(f"{path}: {old}: ")
    with pytest.raises(InputError) as err:
        load_config(None, [f"{old}=1"])
    assert err.value.source == "<command line>" and new in err.value.problem


def test_each_stage_has_its_own_schedule_on_top_of_the_shared_train_section():
    cfg = load_config("configs/cpu_tiny.yaml")
    sft, grpo = cfg.stage_train("sft"), cfg.stage_train("grpo")
    assert (sft.learning_rate, sft.warmup_steps, sft.max_steps) == (4e-3, 20, 600)
    assert (grpo.learning_rate, grpo.warmup_steps, grpo.max_steps) == (1e-4, 0, 30)
    assert sft.batch_size == grpo.batch_size == cfg.train.batch_size == 8  # shared settings reach both
    cfg = load_config(None, ["grpo.learning_rate=3e-6", "train.clip_norm=0.5"])
    assert cfg.stage_train("grpo").learning_rate == 3e-6 and cfg.stage_train("sft").learning_rate == 3e-4
    assert cfg.stage_train("grpo").clip_norm == cfg.stage_train("sft").clip_norm == 0.5
    # without a config file GRPO does not inherit SFT's step: TRL's default rate, no warmup
    assert (cfg.stage_train("grpo").learning_rate, cfg.stage_train("grpo").warmup_steps) == (3e-6, 0)
    assert load_config(None).stage_train("grpo").learning_rate == 1e-6

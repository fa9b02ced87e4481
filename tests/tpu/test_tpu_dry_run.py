"""tpu/ scripts under --dry-run: every printed line must be a gcloud (or git) command line that gcloud's documented
grammar accepts, with the flags the step needs. The grammar below is the synopsis of each command in the Cloud SDK
reference (cloud.google.com/sdk/gcloud/reference/compute/tpus/...): positional count, required and allowed flags."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TPU = ROOT / "tpu"
GLOBAL_FLAGS = {"--project", "--quiet", "--format", "--verbosity", "--account"}
# command path -> (positional arguments, required flags, allowed flags)
GRAMMAR = {
    ("compute", "tpus", "tpu-vm", "create"): (1, {"--zone", "--version"}, {
        "--zone", "--version", "--accelerator-type", "--spot", "--preemptible", "--description", "--internal-ips", "--labels",
        "--metadata", "--network", "--subnetwork", "--service-account", "--scopes", "--tags", "--async", "--data-disk"}),
    ("compute", "tpus", "tpu-vm", "ssh"): (1, {"--zone"}, {
        "--zone", "--worker", "--command", "--batch-size", "--internal-ip", "--ssh-flag", "--strict-host-key-checking",
        "--tunnel-through-iap", "--dry-run", "--plain", "--ssh-key-expire-after"}),
    ("compute", "tpus", "tpu-vm", "scp"): (2, {"--zone"}, {
        "--zone", "--worker", "--recurse", "--compress", "--batch-size", "--internal-ip", "--scp-flag",
        "--strict-host-key-checking", "--tunnel-through-iap", "--dry-run", "--plain"}),
    ("compute", "tpus", "tpu-vm", "delete"): (1, {"--zone"}, {"--zone", "--async"}),
    ("compute", "tpus", "queued-resources", "create"): (1, {"--zone", "--runtime-version", "--accelerator-type", "--node-id"}, {
        "--zone", "--runtime-version", "--accelerator-type", "--node-id", "--spot", "--guaranteed", "--reserved",
        "--valid-until-duration", "--valid-after-duration", "--description", "--async", "--internal-ips", "--network"}),
    ("compute", "tpus", "queued-resources", "describe"): (1, {"--zone"}, {"--zone"}),
    ("compute", "tpus", "queued-resources", "delete"): (1, {"--zone"}, {"--zone", "--force", "--async"}),
    ("storage", "cp"): (2, set(), {"-r", "--recursive"}),
}
COMMON = ["--name", "inftool-v5e-16", "--zone", "us-west4-a", "--project", "my-proj", "--dry-run"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _dry_run(script: str, *args: str, env: dict | None = None) -> list[list[str]]:
    out = subprocess.run(["bash", str(TPU / script), *COMMON, *args], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", **(env or {})}, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return [shlex.split(line) for line in out.stdout.splitlines() if line.strip()]


def _parse_gcloud(argv: list[str]) -> tuple[tuple[str, ...], list[str], dict[str, str | None]]:
    """(command path, positionals, flags) of one gcloud command line, checked against GRAMMAR."""
    assert argv[0] == "gcloud", argv
    words = argv[1:]
    path = next((p for p in GRAMMAR if tuple(words[: len(p)]) == p), None)
    assert path is not None, f"not a known gcloud command: {argv}"
    positionals, flags = [], {}
    for word in words[len(path):]:
        if word.startswith("-"):
            name, _, value = word.partition("=")
            flags[name] = value if "=" in word else None
        else:
            positionals.append(word)
    count, required, allowed = GRAMMAR[path]
    assert len(positionals) == count, (argv, positionals)
    assert required <= set(flags), (argv, required - set(flags))
    unknown = set(flags) - allowed - GLOBAL_FLAGS
    assert not unknown, (argv, unknown)
    assert flags.get("--project", "my-proj") == "my-proj"
    return path, positionals, flags


def test_create_direct_and_queued():
    [cmd] = _dry_run("create_tpu.sh", "--accelerator-type", "v5litepod-16", "--spot")
    path, pos, flags = _parse_gcloud(cmd)
    assert path[-1] == "create" and pos == ["inftool-v5e-16"]
    assert flags["--accelerator-type"] == "v5litepod-16" and flags["--version"] == "v2-alpha-tpuv5-lite" and "--spot" in flags

    create, describe = _dry_run("create_tpu.sh", "--queued", "--accelerator-type", "v5p-64")
    path, pos, flags = _parse_gcloud(create)
    assert path[2:] == ("queued-resources", "create") and pos == ["inftool-v5e-16-qr"]
    assert flags["--node-id"] == "inftool-v5e-16" and flags["--runtime-version"] == "v2-alpha-tpuv5"
    assert flags["--accelerator-type"] == "v5p-64" and flags["--zone"] == "us-west4-a"
    assert _parse_gcloud(describe)[0][-1] == "describe"


def test_install_ships_the_tree_and_installs_on_every_worker():
    archive, scp, ssh, weights = _dry_run("install.sh", "--weights", "gs://my-bucket/Qwen2.5-7B-Instruct")
    assert archive[:4] == ["git", "-C", str(ROOT), "archive"] and archive[-1] == "HEAD"
    path, pos, flags = _parse_gcloud(scp)
    assert path[-1] == "scp" and pos[1] == "inftool-v5e-16:~/inftool_jax-src.tar.gz" and flags["--worker"] == "all"
    path, pos, flags = _parse_gcloud(ssh)
    assert path[-1] == "ssh" and flags["--worker"] == "all"
    assert "jax[tpu]" in flags["--command"] and "pip install" in flags["--command"]
    shlex.split(flags["--command"])  # the remote command is itself valid shell
    assert "gcloud storage cp -r 'gs://my-bucket/Qwen2.5-7B-Instruct' ~/models/" in _parse_gcloud(weights)[2]["--command"]


def test_launch_runs_the_loop_on_all_workers_with_the_pod_coordinator():
    [cmd] = _dry_run("launch_loop.sh", "--config", "configs/tpu_v5e_16_qwen2_5_7b.yaml", "--out", "runs/v5e16", "--resume",
                     "--", "loop.iterations=1")
    path, _, flags = _parse_gcloud(cmd)
    assert path[-1] == "ssh" and flags["--worker"] == "all"
    remote = shlex.split(flags["--command"])
    i = remote.index("loop")
    assert remote[i - 1].endswith("bin/inftool")
    loop_args = remote[i + 1: remote.index(">")]
    assert loop_args == ["--config", "configs/tpu_v5e_16_qwen2_5_7b.yaml", "--out", "runs/v5e16", "--quiet", "--resume",
                         "distributed.coordinator=auto", "loop.iterations=1"]
    assert remote[-1] == "&" and "nohup" in remote


def test_logs_copy_and_delete():
    [logs] = _dry_run("logs.sh", "--lines", "20")
    _, _, flags = _parse_gcloud(logs)
    assert flags["--worker"] == "0" and flags["--command"] == "tail -n 20 -F ~/inftool-loop.log"
    [copy] = _dry_run("copy_results.sh", "--out", "runs/v5e16", "--to", "/tmp/results")
    path, pos, flags = _parse_gcloud(copy)
    assert path[-1] == "scp" and pos == ["inftool-v5e-16:~/inftool/runs/v5e16", "/tmp/results"] and "--recurse" in flags
    [gs] = _dry_run("copy_results.sh", "--out", "gs://b/runs/v5e16", "--to", "/tmp/results")
    assert _parse_gcloud(gs)[1] == ["gs://b/runs/v5e16", "/tmp/results"]
    [delete] = _dry_run("delete_tpu.sh")
    assert _parse_gcloud(delete)[0][2:] == ("tpu-vm", "delete") and "--quiet" in delete
    [qdelete] = _dry_run("delete_tpu.sh", "--queued")
    path, pos, flags = _parse_gcloud(qdelete)
    assert path[2:] == ("queued-resources", "delete") and pos == ["inftool-v5e-16-qr"] and "--force" in flags


@pytest.mark.parametrize("script, args, message", [
    ("create_tpu.sh", ["--accelerator-type", "tpu9-8"], "no default runtime version"),
    ("launch_loop.sh", ["--out", "runs/x"], "--config is required"),
    ("install.sh", ["--weights", "/local/folder"], "must be a gs:// folder"),
    ("delete_tpu.sh", ["--bogus"], "unknown arguments: --bogus"),
    ("create_tpu.sh", ["--name", "Bad_Name"], "lower-case letters"),
])
def test_bad_arguments_fail_with_a_clear_message(script, args, message):
    out = subprocess.run(["bash", str(TPU / script), "--dry-run", *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and message in out.stderr and not out.stdout

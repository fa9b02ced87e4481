#!/usr/bin/env bash
# Install the project on every worker: ship the committed tree (git archive HEAD), make a venv, install jax[tpu] and the
# package; with --weights gs://BUCKET/Qwen2.5-7B-Instruct also copy the model folder to ~/models/ on each worker.
#   tpu/install.sh --name inftool-v5e-16 --zone us-west4-a [--weights gs://bucket/Qwen2.5-7B-Instruct] [--dry-run]
source "$(dirname "$0")/common.sh"
parse_common "$@"
WEIGHTS=""
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while (($#)); do
  case "$1" in
    --weights) WEIGHTS="$2"; shift 2 ;;
    *) usage_common >&2; die "unknown argument: $1" ;;
  esac
done
# Checked before anything runs, so a bad flag never leaves a half-installed slice.
[[ -z "$WEIGHTS" || "$WEIGHTS" == gs://* ]] || die "--weights must be a gs:// folder, got '$WEIGHTS'"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ARCHIVE="${TMPDIR:-/tmp}/inftool_jax-src.tar.gz"
mapfile -t WHERE < <(where_flags)
run git -C "$ROOT" archive --format=tar.gz -o "$ARCHIVE" HEAD
run gcloud compute tpus tpu-vm scp "$ARCHIVE" "$TPU_NAME:~/inftool_jax-src.tar.gz" "${WHERE[@]}" "--worker=$TPU_WORKER"
on_workers "set -e; mkdir -p ~/inftool && tar xzf ~/inftool_jax-src.tar.gz -C ~/inftool && python3 -m venv ~/inftool-venv && ~/inftool-venv/bin/pip install -q -U pip && ~/inftool-venv/bin/pip install -q 'jax[tpu]' -e ~/inftool && ~/inftool-venv/bin/python -c 'import jax; print(jax.process_index(), jax.local_device_count(), jax.device_count())'"
if [[ -n "$WEIGHTS" ]]; then
  on_workers "mkdir -p ~/models && gcloud storage cp -r '$WEIGHTS' ~/models/"
fi

#!/usr/bin/env bash
# Launch `inftool loop` on every worker at once (one process per host; jax.distributed finds the coordinator on the pod:
# distributed.coordinator=auto). Runs in the background under nohup; output in ~/inftool-loop.log on each worker.
#   tpu/launch_loop.sh --name inftool-v5e-16 --zone us-west4-a --config configs/tpu_v5e_16_qwen2_5_7b.yaml \
#       --out runs/v5e16 [--resume] [--dry-run] [-- key.sub=value ...]
source "$(dirname "$0")/common.sh"
parse_common "$@"
CONFIG=""; OUT=""; RESUME=""; OVERRIDES=()
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while (($#)); do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --resume) RESUME="--resume"; shift ;;
    --) shift; OVERRIDES+=("$@"); break ;;
    *) usage_common >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n "$CONFIG" ]] || die "--config is required (a path inside the repository, e.g. configs/tpu_v5e_16_qwen2_5_7b.yaml)"
[[ -n "$OUT" ]] || die "--out is required (the run folder on the workers, relative to ~/inftool)"
ARGS=(--config "$CONFIG" --out "$OUT" --quiet)
[[ -n "$RESUME" ]] && ARGS+=("$RESUME")
ARGS+=(distributed.coordinator=auto "${OVERRIDES[@]+"${OVERRIDES[@]}"}")
printf -v QUOTED '%q ' "${ARGS[@]}"
on_workers "cd ~/inftool && nohup ~/inftool-venv/bin/inftool loop ${QUOTED% } > ~/inftool-loop.log 2>&1 < /dev/null &"

#!/usr/bin/env bash
# Copy the run folder back from worker 0 (process 0 writes the reports and exports), or from a gs:// run folder.
#   tpu/copy_results.sh --name inftool-v5e-16 --zone us-west4-a --out runs/v5e16 --to ./runs/ [--dry-run]
#   tpu/copy_results.sh --out gs://bucket/runs/v5e16 --to ./runs/ [--dry-run]
TPU_WORKER="${TPU_WORKER:-0}"
source "$(dirname "$0")/common.sh"
parse_common "$@"
OUT=""; TO="./runs/"
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while (($#)); do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --to) TO="$2"; shift 2 ;;
    *) usage_common >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n "$OUT" ]] || die "--out is required (the run folder given to launch_loop.sh)"
((DRY_RUN)) || mkdir -p "$TO"
if [[ "$OUT" == gs://* ]]; then
  run gcloud storage cp -r "$OUT" "$TO"
else
  mapfile -t WHERE < <(where_flags)
  run gcloud compute tpus tpu-vm scp --recurse "$TPU_NAME:~/inftool/$OUT" "$TO" "${WHERE[@]}" "--worker=$TPU_WORKER"
fi

#!/usr/bin/env bash
# Delete the slice (and with --queued its queued resource: --force deletes the node it holds too). Billing stops here.
#   tpu/delete_tpu.sh --name inftool-v5e-16 --zone us-west4-a [--queued] [--dry-run]
source "$(dirname "$0")/common.sh"
parse_common "$@"
((${#EXTRA_ARGS[@]} == 0)) || { usage_common >&2; die "unknown arguments: ${EXTRA_ARGS[*]}"; }
mapfile -t WHERE < <(where_flags)
if ((TPU_QUEUED)); then
  run gcloud compute tpus queued-resources delete "$TPU_NAME-qr" "${WHERE[@]}" --force --quiet
else
  run gcloud compute tpus tpu-vm delete "$TPU_NAME" "${WHERE[@]}" --quiet
fi

#!/usr/bin/env bash
# Create the TPU VM slice: directly (`tpu-vm create`) or as a queued resource (--queued) that waits for capacity.
#   tpu/create_tpu.sh --name inftool-v5e-16 --zone us-west4-a --accelerator-type v5litepod-16 [--queued] [--spot] [--dry-run]
source "$(dirname "$0")/common.sh"
parse_common "$@"
((${#EXTRA_ARGS[@]} == 0)) || { usage_common >&2; die "unknown arguments: ${EXTRA_ARGS[*]}"; }
mapfile -t WHERE < <(where_flags)
SPOT=()
((TPU_SPOT)) && SPOT=(--spot)
if ((TPU_QUEUED)); then
  run gcloud compute tpus queued-resources create "$TPU_NAME-qr" "--node-id=$TPU_NAME" "${WHERE[@]}" \
    "--accelerator-type=$TPU_TYPE" "--runtime-version=$TPU_RUNTIME" "${SPOT[@]}"
  # The slice exists once the request is ACTIVE; poll its state (prints it) until then.
  if ((DRY_RUN)); then
    run gcloud compute tpus queued-resources describe "$TPU_NAME-qr" "${WHERE[@]}" "--format=value(state.state)"
  else
    until [[ "$(gcloud compute tpus queued-resources describe "$TPU_NAME-qr" "${WHERE[@]}" "--format=value(state.state)")" == ACTIVE ]]; do
      sleep 30
    done
  fi
else
  run gcloud compute tpus tpu-vm create "$TPU_NAME" "${WHERE[@]}" "--accelerator-type=$TPU_TYPE" "--version=$TPU_RUNTIME" "${SPOT[@]}"
fi

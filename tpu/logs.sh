#!/usr/bin/env bash
# Stream the loop's log (worker 0 by default: process 0 prints the stage summaries; --worker all shows every host).
#   tpu/logs.sh --name inftool-v5e-16 --zone us-west4-a [--worker all] [--lines 200] [--dry-run]
TPU_WORKER="${TPU_WORKER:-0}"
source "$(dirname "$0")/common.sh"
parse_common "$@"
LINES=100
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while (($#)); do
  case "$1" in
    --lines) LINES="$2"; shift 2 ;;
    *) usage_common >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$LINES" =~ ^[0-9]+$ ]] || die "--lines must be a number, got '$LINES'"
on_workers "tail -n $LINES -F ~/inftool-loop.log"

# Shared by the tpu/ scripts: flags, defaults and `run`, which prints each command under --dry-run instead of running it.
# Sourced, not run. Every flag also reads an environment variable (TPU_NAME, TPU_ZONE, ...), so a session can export once.
set -euo pipefail

TPU_NAME="${TPU_NAME:-inftool-v5e-16}"
TPU_ZONE="${TPU_ZONE:-us-west4-a}"
TPU_PROJECT="${TPU_PROJECT:-}"
TPU_TYPE="${TPU_TYPE:-v5litepod-16}"
TPU_RUNTIME="${TPU_RUNTIME:-}"
TPU_QUEUED="${TPU_QUEUED:-0}"
TPU_SPOT="${TPU_SPOT:-0}"
TPU_WORKER="${TPU_WORKER:-all}"
DRY_RUN=0
EXTRA_ARGS=()

usage_common() {
  cat <<'USAGE'
common flags: --name NAME (TPU_NAME)  --zone ZONE (TPU_ZONE)  --project PROJECT (TPU_PROJECT)
              --accelerator-type TYPE (TPU_TYPE, e.g. v5litepod-16, v5p-64)  --version RUNTIME (TPU_RUNTIME)
              --queued (a queued resource named NAME-qr)  --spot  --worker all|N  --dry-run (print the commands only)
USAGE
}

# parse_common "$@": consumes the common flags, leaves the rest in EXTRA_ARGS.
parse_common() {
  while (($#)); do
    case "$1" in
      --name) TPU_NAME="$2"; shift 2 ;;
      --zone) TPU_ZONE="$2"; shift 2 ;;
      --project) TPU_PROJECT="$2"; shift 2 ;;
      --accelerator-type) TPU_TYPE="$2"; shift 2 ;;
      --version) TPU_RUNTIME="$2"; shift 2 ;;
      --queued) TPU_QUEUED=1; shift ;;
      --spot) TPU_SPOT=1; shift ;;
      --worker) TPU_WORKER="$2"; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      *) EXTRA_ARGS+=("$1"); shift ;;
    esac
  done
  if [[ -z "$TPU_RUNTIME" ]]; then
    # The TPU VM software versions Google documents per generation.
    case "$TPU_TYPE" in
      v5litepod-*) TPU_RUNTIME="v2-alpha-tpuv5-lite" ;;
      v5p-*) TPU_RUNTIME="v2-alpha-tpuv5" ;;
      v6e-*) TPU_RUNTIME="v2-alpha-tpuv6e" ;;
      v4-*) TPU_RUNTIME="tpu-ubuntu2204-base" ;;
      *) die "no default runtime version for accelerator type '$TPU_TYPE': pass --version" ;;
    esac
  fi
  [[ "$TPU_NAME" =~ ^[a-z]([-a-z0-9]*[a-z0-9])?$ ]] || die "--name '$TPU_NAME': lower-case letters, digits and hyphens, starting with a letter"
}

die() { echo "$(basename "$0"): error: $*" >&2; exit 2; }

# The flags every gcloud command here takes: the zone, and the project when one is set.
where_flags() {
  local flags=("--zone=$TPU_ZONE")
  [[ -n "$TPU_PROJECT" ]] && flags+=("--project=$TPU_PROJECT")
  printf '%s\n' "${flags[@]}"
}

# run CMD...: print the command as one shell-quoted line; run it unless --dry-run.
run() {
  local line
  printf -v line '%q ' "$@"
  echo "${line% }"
  if ((DRY_RUN == 0)); then
    "$@"
  fi
}

# on_workers COMMAND: run a shell command on the TPU VM's workers (--worker, default all) over gcloud ssh.
on_workers() {
  local where
  mapfile -t where < <(where_flags)
  run gcloud compute tpus tpu-vm ssh "$TPU_NAME" "${where[@]}" "--worker=$TPU_WORKER" "--command=$1"
}

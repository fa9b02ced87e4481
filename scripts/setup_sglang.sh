#!/usr/bin/env bash
# Create .venv-sglang: a venv of its own holding the real SGLang server for CPU tests and demos
# (`rollout.engine: sglang` with `sglang.launch: [.venv-sglang/bin/python, -m, sglang.launch_server, ...]`).
#
#   bash scripts/setup_sglang.sh            # ~3 min, a ~6.9 GB venv; ~0 s when already installed by this script
#   INFTOOL_SGLANG_PYTHON=.venv-sglang/bin/python pytest -q -m slow tests/serve/test_sglang_client.py tests/loop/test_loop_sglang.py
#
# scripts/test.sh runs it in the background while the suite runs; the tests that need the real server wait for it.
# On success it writes $VENV/.inftool-sglang-ready holding a hash of this script, the sgl_kernel stand-in and the
# pinned version: when that matches, a rerun does nothing. A rerun that installs removes the marker first, so an
# interrupted install is never taken for a finished one.
#
# sglang is pinned and installed --no-deps: its declared requirements include CUDA-only packages (flashinfer,
# deep-gemm, cutlass, ...) that cannot serve here. What the CPU engine needs is installed instead, with the torch
# and torchvision it pins. Its CPU kernel package `sgl_kernel` is not on PyPI: scripts/sgl_kernel_cpu_standin.py
# (pure PyTorch, the two functions the CPU engine imports unconditionally) is copied in as that package.
# Serve with env SGLANG_USE_CPU_ENGINE=1 and `--device cpu --sleep-on-idle`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${SGLANG_VENV:-.venv-sglang}"
SGLANG_VERSION="${SGLANG_VERSION:-0.5.23}"
READY="$VENV/.inftool-sglang-ready"
STAMP="$(cat scripts/setup_sglang.sh scripts/sgl_kernel_cpu_standin.py <(echo "sglang==$SGLANG_VERSION") | sha256sum | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$READY" 2>/dev/null)" = "$STAMP" ]; then
  echo "$VENV: sglang==$SGLANG_VERSION already installed ($READY)"
  exit 0
fi
rm -f "$READY"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install -q)
"$VENV/bin/python" -m pip install -q --upgrade pip
# What sglang 0.5.23 pins, first: everything after resolves against these.
"${PIP[@]}" "torch==2.14.1" "torchvision==0.29.1"
# sglang's non-CUDA requirements (its METADATA less flashinfer, flash-attn, cuda-python, cutlass, deep-ep/-gemm,
# flash-mla, sglang-kernel, tilelang, quack, humming, nvshmem, mathdx, torch_memory_saver, torchaudio, torchcodec).
"${PIP[@]}" "torch==2.14.1" "torchvision==0.29.1" \
  aiohttp "anthropic>=0.20.0" "blobfile==3.0.0" build "compressed-tensors==0.18.0" datasets distro easydict einops \
  fastapi gguf interegular IPython "llguidance>=1.7.6,<2.0.0" "mistral_common>=1.11.5" msgspec ninja "numba==0.65.1" \
  numpy nvidia-ml-py "openai==2.8.0" "openai-harmony==0.0.4" orjson "outlines==0.1.11" packaging partial_json_parser \
  pillow "prometheus-client>=0.20.0" psutil pybase64 pydantic "python-dateutil<3" python-multipart "pyzmq>=25.1.2" \
  regex requests scipy "sentencepiece==0.2.1" setproctitle "soundfile==0.13.1" tiktoken "timm==1.0.25" \
  "tokenizers==0.23.2" tqdm "transformers==5.19.0" "uvicorn>=0.51" uvloop watchfiles "xgrammar==0.2.7" xxhash zstandard \
  "smg-grpc-servicer>=0.9.0" "kernels>=0.14.1,<0.15" modelscope
"${PIP[@]}" --no-deps "sglang==${SGLANG_VERSION}"
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
mkdir -p "$SITE/sgl_kernel"
cp scripts/sgl_kernel_cpu_standin.py "$SITE/sgl_kernel/__init__.py"
SGLANG_USE_CPU_ENGINE=1 "$VENV/bin/python" -c "import sglang, sgl_kernel, torch; print('sglang', sglang.__version__, 'torch', torch.__version__)"
echo "$STAMP" > "$READY.tmp" && mv "$READY.tmp" "$READY"

"""A pure-PyTorch stand-in for ``sgl_kernel``, SGLang's compiled CPU kernel package (not on PyPI).

scripts/setup_sglang.sh copies this file into .venv-sglang as the package ``sgl_kernel``. SGLang's CPU
engine (``SGLANG_USE_CPU_ENGINE=1``) imports two functions from it unconditionally; everything else
it needs falls back to SGLang's native torch paths when the kernel package lacks it. Slow but exact:
for tests and CPU demos of the real server, never for throughput.

The speculative-decoding kernels (EAGLE trees, draft cache locations) are imported at module level too, so they are
named here, but raise: speculative decoding is not served on this CPU.
"""

from __future__ import annotations

import ctypes

import numpy as np
import torch

__version__ = "0.0.0+inftool-standin"


def assign_req_to_token_pool_cpu(req_pool_indices, req_to_token, start_offset, end_offset, out_cache_loc, pool_len):
    """Row i: ``req_to_token[req_pool_indices[i], start[i]:end[i]] = out_cache_loc[o_i : o_i + end[i] - start[i]]``,
    where ``o_i`` is the summed lengths of rows before i (the Triton kernel's layout)."""
    del pool_len
    starts = start_offset.tolist()
    ends = end_offset.tolist()
    rows = req_pool_indices.tolist()
    offset = 0
    for row, start, end in zip(rows, starts, ends):
        n = int(end) - int(start)
        if n > 0:
            req_to_token[int(row), int(start) : int(end)] = out_cache_loc[offset : offset + n].to(req_to_token.dtype)
        offset += max(n, 0)


def copy_all_layer_kv_cache_cpu(data_ptrs, strides, tgt_loc, src_loc):
    """For every buffer b (a base address ``data_ptrs[b]`` with ``strides[b]`` bytes per location), copy the bytes of
    locations ``src_loc`` onto ``tgt_loc`` (all sources read before any target is written: safe in place)."""
    src = np.asarray(src_loc.to(torch.int64).tolist(), np.int64)
    tgt = np.asarray(tgt_loc.to(torch.int64).tolist(), np.int64)
    if src.size == 0:
        return
    rows = int(max(src.max(), tgt.max())) + 1
    for ptr, stride in zip(data_ptrs.tolist(), strides.tolist()):
        stride = int(stride)
        raw = (ctypes.c_uint8 * (rows * stride)).from_address(int(ptr) & 0xFFFFFFFFFFFFFFFF)
        view = np.ctypeslib.as_array(raw).reshape(rows, stride)
        view[tgt] = view[src].copy()


def _not_served(name: str):
    def kernel(*args, **kwargs):
        raise NotImplementedError(f"sgl_kernel.{name}: speculative decoding is not served by this CPU stand-in")

    kernel.__name__ = name
    return kernel


for _name in (
    "build_tree_kernel_efficient_cpu", "verify_tree_greedy_cpu", "fill_accept_out_cache_loc_cpu", "fill_bonus_tokens_cpu",
    "assign_draft_cache_locs_contiguous_cpu", "assign_extend_cache_locs_cpu", "rotate_input_ids_cpu",
):
    globals()[_name] = _not_served(_name)

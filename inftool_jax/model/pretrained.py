"""Models from and to Hugging Face folders, and randomly initialised models.

With a mesh, every tensor is read block by block straight into its sharded
placement (``jax.make_array_from_callback``): each host reads only the blocks
its devices hold, so no host ever holds the whole model.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh
from tqdm import tqdm

from inftool_jax.errors import InputError
from inftool_jax.model import hf_checkpoint
from inftool_jax.model.decoder import CausalLM
from inftool_jax.model.sharding import named_shardings, param_name

# Buffers some older checkpoints carry that are recomputed here, not loaded.
_IGNORED_SUFFIXES = (".rotary_emb.inv_freq",)


def hf_tensor_name(name: str) -> str:
    """nnx parameter name → safetensors name (everything but ``lm_head`` lives under ``model.``)."""
    return name if name.startswith("lm_head.") else f"model.{name}"


def _abstract(hf_config: dict[str, Any], dtype, param_dtype, source: str, **options) -> tuple[nnx.GraphDef, nnx.State]:
    abstract = nnx.eval_shape(lambda: CausalLM(hf_config, rngs=nnx.Rngs(0), dtype=dtype, param_dtype=param_dtype, source=source, **options))
    return nnx.split(abstract)


def _init_value(name: str, shape: tuple[int, ...], seed: int, std: float, dtype) -> np.ndarray:
    """The initial value of one parameter: ones for norm gains, zeros for biases, normal(0, std) otherwise.

    Drawn on the host from a generator keyed by (seed, parameter name), so the values do not
    depend on the mesh and nothing needs compiling (an XLA init program takes seconds on a CPU).
    """
    if name.endswith("norm.weight"):
        return np.ones(shape, dtype)
    if name.endswith(".bias"):
        return np.zeros(shape, dtype)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std)).astype(dtype)


def create_model(
    hf_config: dict[str, Any], seed: int = 0, dtype="float32", mesh: Mesh | None = None, param_dtype=None,
    remat: str = "none", scan_layers: bool = False,
) -> CausalLM:
    """A randomly initialised model for an HF config dict (normal(0, initializer_range) weights).

    ``remat`` and ``scan_layers`` are ``model.remat`` / ``model.scan_layers`` (see :class:`CausalLM`).

    The same ``seed`` gives the same values with or without ``mesh``; with a mesh each
    parameter is placed straight into its sharding (one tensor at a time on the host).
    """
    hf_config = dict(hf_config)
    graphdef, abstract_state = _abstract(hf_config, dtype, param_dtype, "hf_config", remat=remat, scan_layers=scan_layers)
    std = float(hf_config.get("initializer_range", 0.02))
    np_dtype = np.dtype(jnp.dtype(param_dtype if param_dtype is not None else dtype))
    flat = jax.tree_util.tree_flatten_with_path(abstract_state)[0]
    shardings = jax.tree.leaves(named_shardings(abstract_state, mesh)) if mesh is not None else [None] * len(flat)
    values = []
    for (p, leaf), sharding in zip(flat, shardings):
        value = _init_value(param_name(p), tuple(leaf.shape), seed, std, np_dtype)
        values.append(jnp.asarray(value) if sharding is None else jax.make_array_from_callback(value.shape, sharding, lambda i, v=value: v[i]))
    model = nnx.merge(graphdef, jax.tree.unflatten(jax.tree.structure(abstract_state), values))
    model.activation_mesh = mesh
    return model


def load_pretrained(
    path: str | Path, dtype="float32", mesh: Mesh | None = None, param_dtype=None, progress: bool = True,
    remat: str = "none", scan_layers: bool = False,
) -> CausalLM:
    """Load a local HF folder (config.json + model.safetensors or sharded with index) as a :class:`CausalLM`.

    ``dtype`` is the compute dtype, ``param_dtype`` the storage dtype (default: ``dtype``); ``remat`` and
    ``scan_layers`` are ``model.remat`` / ``model.scan_layers`` (see :class:`CausalLM`; the checkpoint is the same).
    Tokenizer files are not needed. Raises :class:`InputError` naming the file and the
    key or tensor for a missing folder/config, an unsupported architecture, missing,
    unexpected or mis-shaped tensors, and partial checkpoints.
    """
    folder = Path(path)
    hf_config = hf_checkpoint.read_config(folder)
    config_path = str(folder / "config.json")
    graphdef, abstract_state = _abstract(hf_config, dtype, param_dtype, config_path, remat=remat, scan_layers=scan_layers)
    model_dtype = jnp.dtype(param_dtype if param_dtype is not None else dtype)
    shardings = named_shardings(abstract_state, mesh) if mesh is not None else None
    tie = nnx.merge(graphdef, abstract_state).config.tie_word_embeddings

    with hf_checkpoint.TensorReader(folder) as reader:
        flat = jax.tree_util.tree_flatten_with_path(abstract_state)[0]
        wanted = {hf_tensor_name(param_name(p)) for p, _ in flat}
        for name in reader.files:
            if name in wanted or name.endswith(_IGNORED_SUFFIXES) or (tie and name == "lm_head.weight"):
                continue
            raise InputError(str(reader.files[name]), name, "unexpected tensor for this config (wrong architecture in config.json?)")
        sharding_leaves = jax.tree.leaves(shardings) if shardings is not None else [None] * len(flat)
        values = []
        for (p, leaf), sharding in zip(tqdm(flat, desc="loading tensors", disable=not progress, leave=False), sharding_leaves):
            name = hf_tensor_name(param_name(p))
            if name not in reader.files:
                raise InputError(str(reader.listing), name, "tensor missing from the checkpoint")
            shape = reader.shape(name)
            if shape != tuple(leaf.shape):
                raise InputError(str(reader.files[name]), name, f"shape {list(shape)} does not match the config's {list(leaf.shape)}")
            if sharding is None:
                values.append(jnp.asarray(reader.read(name, dtype=model_dtype)))
            else:
                values.append(
                    jax.make_array_from_callback(
                        shape, sharding, lambda index, name=name: reader.read(name, tuple(index), dtype=model_dtype)
                    )
                )
    state = jax.tree.unflatten(jax.tree.structure(abstract_state), values)
    model = nnx.merge(graphdef, state)
    model.source_dir = str(folder.resolve())
    model.activation_mesh = mesh
    return model


def _host_array(x: jax.Array) -> np.ndarray:
    if x.is_fully_addressable:
        return np.asarray(jax.device_get(x))
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(x, tiled=True))


def save_pretrained(
    model: CausalLM,
    path: str | Path,
    max_shard_bytes: int | str = "5GB",
    dtype=None,
    tokenizer_dir: str | Path | None = None,
    progress: bool = True,
) -> Path:
    """Write ``model`` as an HF folder loadable by ``transformers.AutoModelForCausalLM.from_pretrained``.

    Writes config.json, generation_config.json and safetensors in ``dtype`` (default: the
    parameter dtype), split into ``model-0000i-of-0000n.safetensors`` + index when larger than
    ``max_shard_bytes``. Tokenizer files are copied from ``tokenizer_dir`` (default: the folder
    the model was loaded from, when any). Every process must call it with a multi-host model;
    only process 0 writes.
    """
    out = Path(path)
    writer = jax.process_index() == 0
    if writer:
        out.mkdir(parents=True, exist_ok=True)
    save_dtype = np.dtype(jnp.dtype(dtype if dtype is not None else model.param_dtype))
    flat = jax.tree_util.tree_flatten_with_path(nnx.state(model, nnx.Param))[0]
    arrays = {hf_tensor_name(param_name(p)): leaf for p, leaf in flat}
    names = sorted(arrays)
    nbytes = {n: int(np.prod(arrays[n].shape)) * save_dtype.itemsize for n in names}

    def get(name: str) -> np.ndarray:
        return _host_array(arrays[name]).astype(save_dtype)

    if not writer:  # still take part in every cross-process gather
        for name in names:
            if not arrays[name].is_fully_addressable:
                get(name)
        return out
    hf_checkpoint.write_safetensors(
        out,
        names,
        get,
        nbytes,
        hf_checkpoint.parse_size(max_shard_bytes),
        progress=tqdm(range(len(names)), desc="saving tensors", disable=not progress, leave=False),
    )
    hf_config = model.hf_config
    arch = {"qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM", "llama": "LlamaForCausalLM"}[model.config.model_type]
    hf_config["architectures"] = [arch]
    hf_config["tie_word_embeddings"] = model.config.tie_word_embeddings
    # transformers >= 5 reads "dtype", 4.x "torch_dtype"; write both.
    hf_config["dtype"] = hf_config["torch_dtype"] = save_dtype.name
    (out / "config.json").write_text(json.dumps(hf_config, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    source = Path(tokenizer_dir) if tokenizer_dir is not None else (Path(model.source_dir) if getattr(model, "source_dir", None) else None)
    gen_src = source / "generation_config.json" if source is not None else None
    if gen_src is not None and gen_src.is_file() and gen_src.resolve() != (out / "generation_config.json").resolve():
        (out / "generation_config.json").write_bytes(gen_src.read_bytes())
    elif not (out / "generation_config.json").is_file():
        gen = {k: hf_config[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id") if hf_config.get(k) is not None}
        (out / "generation_config.json").write_text(json.dumps(gen, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if source is not None and source.is_dir():
        hf_checkpoint.copy_tokenizer_files(source, out)
    return out

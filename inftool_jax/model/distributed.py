"""Multi-host runs: joining the jax.distributed cluster and assembling global batches from host-local rows."""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding

from inftool_jax.errors import InputError
from inftool_jax.model.sharding import batch_sharding


def initialize_distributed(coordinator: str | None = None, num_processes: int | None = None, process_id: int | None = None, **kwargs) -> bool:
    """Join a multi-process JAX cluster when configured; returns whether it did.

    Nothing is done for a single process (``num_processes`` None or 1 and no coordinator).
    On Cloud TPU pods pass ``coordinator="auto"`` to let jax discover everything. Otherwise
    every process passes the same ``coordinator`` ("host:port" of process 0) and
    ``num_processes``, and its own ``process_id``. Extra keyword arguments go to
    ``jax.distributed.initialize`` (e.g. ``local_device_ids``).
    """
    if coordinator == "auto":
        jax.distributed.initialize(**kwargs)
        return True
    if not coordinator and (num_processes is None or num_processes == 1):
        return False
    if not coordinator or num_processes is None or process_id is None:
        raise InputError("<config>", "distributed", "coordinator, num_processes and process_id must all be set")
    if not 0 <= process_id < num_processes:
        raise InputError("<config>", "distributed.process_id", f"{process_id} is not in [0, {num_processes})")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes, process_id=process_id, **kwargs)
    return True


def initialize_from_config(config) -> bool:
    """:func:`initialize_distributed` from a :class:`~inftool_jax.model.config.DistributedConfig`."""
    return initialize_distributed(config.coordinator or None, config.num_processes, config.process_id)


def local_batch_rows(sharding: NamedSharding, global_batch: int) -> slice:
    """The contiguous slice of global batch rows this process must supply for ``sharding``."""
    shape = (global_batch,) + (1,) * (len(sharding.spec) - 1 if len(sharding.spec) else 0)
    index_map = sharding.addressable_devices_indices_map(shape)
    starts, stops = [], []
    for index in index_map.values():
        rows = index[0] if index else slice(None)
        start, stop, _ = rows.indices(global_batch)
        starts.append(start)
        stops.append(stop)
    lo, hi = min(starts), max(stops)
    covered = set()
    for a, b in zip(starts, stops):
        covered.update(range(a, b))
    if covered != set(range(lo, hi)):
        raise ValueError("this process's batch rows are not contiguous under this mesh")
    return slice(lo, hi)


def host_local_batch(local: np.ndarray, mesh: Mesh, global_batch: int | None = None) -> jax.Array:
    """One global batch-sharded array from the rows this process holds.

    ``local`` is this process's block of rows (see :func:`local_batch_rows`); ``global_batch``
    defaults to ``local rows * process count``. The batch is split over ``data`` and ``fsdp``.
    """
    local = np.asarray(local)
    sharding = batch_sharding(mesh, local.ndim)
    if global_batch is None:
        global_batch = local.shape[0] * jax.process_count()
    return jax.make_array_from_process_local_data(sharding, local, (global_batch,) + local.shape[1:])

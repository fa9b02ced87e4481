"""API specifications -> ToolSpec catalog."""

from inftool_jax.tools.catalog import Catalog, MergeEntry, load_catalog
from inftool_jax.tools.chains import Chain, find_chains
from inftool_jax.tools.spec import ToolSpec

__all__ = ["Catalog", "Chain", "MergeEntry", "ToolSpec", "find_chains", "load_catalog"]

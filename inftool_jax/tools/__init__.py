"""API specifications -> ToolSpec catalog."""

from inftool_jax.tools.spec import ToolSpec

__all__ = ["ToolSpec"]

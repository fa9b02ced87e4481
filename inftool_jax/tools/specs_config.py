"""The ``specs:`` config section: which spec files form the catalog and how leniently they are read.

Meant to replace ``Config.specs: list[str]`` in ``inftool_jax/config.py``; a bare list (every config written so
far) still reads as ``paths``.
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from inftool_jax.config_base import Section


class SpecsConfig(Section):
    """API specs of the tool catalog and how ingestion treats them."""

    paths: list[str] = ["specs"]
    """API spec files or folders (relative to the config file) that form the tool catalog."""
    strict: bool = False
    """Stop at the first bad file or tool. Off: skip it with a warning naming the file, the JSON pointer and the
    reason, and fail only when no usable tool remains."""
    keep_transport_params: bool = False
    """Keep credential and transport parameters (security-scheme parameters, ``Authorization``, Google's
    ``access_token``, ``key``, ``fields``, ``alt``, ``prettyPrint``, ``quotaUser``, ``$.xgafv``...). Off: they are
    dropped at ingestion and reported, so no user recites an API key."""

    @model_validator(mode="before")
    @classmethod
    def _bare_list_is_paths(cls, data: Any) -> Any:
        # `specs: [a, b]` was the whole section before it had options.
        if isinstance(data, (list, tuple, str)):
            return {"paths": [data] if isinstance(data, str) else list(data)}
        return data

    def load_options(self) -> dict[str, bool]:
        """Keyword arguments of ``load_catalog`` this section sets."""
        return {"strict": self.strict, "keep_transport_params": self.keep_transport_params}

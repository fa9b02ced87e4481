"""Tool-call formats: parse and render :class:`Call` objects."""

from inftool_jax.calls.call import Call, ParseResult

__all__ = ["Call", "ParseResult"]

"""Tool-call formats: parse and render :class:`Call` objects.

Text formats: Hermes/Qwen ``<tool_call>`` blocks (:mod:`.hermes`) and BFCL's
Python-call syntax (:mod:`.pythonic`), both reachable by name through
:func:`get_format`; OpenAI message ``tool_calls`` objects (:mod:`.openai_format`).
Parsers never run model text (not even arithmetic) and never raise on it:
they return a ParseResult. ``parse_python(text, bfcl_compat=True)`` is the
decoder the BFCL checker (:mod:`inftool_jax.grading.bfcl_checker`) uses.
"""

from inftool_jax.calls.call import Call, ParseResult
from inftool_jax.calls.formats import FORMATS, CallFormat, available_formats, get_format
from inftool_jax.calls.hermes import parse_hermes, render_hermes
from inftool_jax.calls.openai_format import parse_openai_tool_calls, to_openai_tool_calls
from inftool_jax.calls.pythonic import parse_python, render_python

__all__ = [
    "Call",
    "CallFormat",
    "FORMATS",
    "ParseResult",
    "available_formats",
    "get_format",
    "parse_hermes",
    "parse_openai_tool_calls",
    "parse_python",
    "render_hermes",
    "render_python",
    "to_openai_tool_calls",
]

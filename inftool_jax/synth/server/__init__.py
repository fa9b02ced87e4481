"""The MCP Server agent of synthesis: what executes the assistant's calls (``synth.backends.tools``).

- ``programmatic`` (``world/tool_backend.py``: ``SimulatedTools``): the stateful tool world
  simulator, in process; arguments validated against the schema (invalid: a structured tool
  error), per-episode state so chains and multi-turn episodes stay consistent, results that
  conform to the response schema; deterministic per seed, never touches the host. The default.
- ``openai`` (``synth/llm/backend_openai.py``: ``OpenAITools``): an LLM tool responder; the same
  schema check first, then a chat model writes the result from the call and the episode's history.

The same world is served to outside MCP clients, over stdio or streamable HTTP, by
``world/mcp_server.py`` (``inftool serve mcp``). A backend provides ``reset(episode_seed)``,
optionally ``prepare(stated_calls)``, and ``call(name, arguments) -> ToolResult`` (see
``synth/backends.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inftool_jax.registry import Registry

if TYPE_CHECKING:
    from inftool_jax.synth.backends import Factory

TOOL_BACKENDS: "Registry[Factory]" = Registry("tools backend", "synth.backends.tools")
# Lazy: building the simulator's module graph, or an HTTP client, only when the run asks for it.
TOOL_BACKENDS.lazy("programmatic", "inftool_jax.world.tool_backend:make_simulated_tools")
TOOL_BACKENDS.lazy("openai", "inftool_jax.synth.llm.backend_openai:OpenAITools")

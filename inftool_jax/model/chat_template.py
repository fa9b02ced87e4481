"""A Qwen2.5-style chat template with tools, for tokenizers made by ``inftool init-model``.

The layout follows Qwen2.5-Instruct so that data made for the tiny default
model looks exactly like data for a real Qwen2.5 checkpoint:

* a system turn; when ``tools`` are given it lists them and states the
  ``<tool_call>`` convention. :data:`FULL_SCHEMA_CHAT_TEMPLATE` lists each
  tool's full JSON schema as a JSON line inside ``<tools></tools>`` (exactly
  Qwen2.5). :data:`CHAT_TEMPLATE`, the tiny model's default, lists one compact
  line per tool instead, e.g. ``- get_weather(city: string, unit?: "c"|"f"):
  Current weather`` (types, enums, ``?`` for optional, nested objects in
  braces, arrays as ``type[]``): the full schemas cost ~220 tokens per tool,
  which makes CPU training far too slow, while the compact line keeps what
  a call needs (names, types, allowed values, what is required);
* assistant tool calls as ``<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>``
  blocks, one per call, joined by newlines: byte-identical to
  ``inftool_jax.calls.render_hermes`` for the same calls (``tojson`` in
  transformers is ``json.dumps(ensure_ascii=False)`` with default separators);
* consecutive tool results wrapped together in one ``user`` turn, each inside
  ``<tool_response></tool_response>``;
* ``add_generation_prompt`` appends ``<|im_start|>assistant\\n``.

Tool-call ``arguments`` that arrive as a JSON string (the OpenAI wire form) are
emitted verbatim; :mod:`inftool_jax.model.episode_tokens` parses them to
objects first so the text is canonical.
"""

from __future__ import annotations

import functools
import json
from typing import Any

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant."

# Special tokens the template writes; the tiny tokenizer registers all of them.
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
END_OF_TEXT = "<|endoftext|>"
TOOL_CALL_START = "<tool_call>"
TOOL_CALL_END = "</tool_call>"
TOOL_RESPONSE_START = "<tool_response>"
TOOL_RESPONSE_END = "</tool_response>"
SPECIAL_TOKENS = [
    END_OF_TEXT,
    IM_START,
    IM_END,
    TOOL_CALL_START,
    TOOL_CALL_END,
    TOOL_RESPONSE_START,
    TOOL_RESPONSE_END,
]

# Whitespace control: every statement uses "{%-" so only the explicit "{{- ... }}"
# strings reach the output.
_TEMPLATE = (
    """{%- macro render_content(content) -%}
    {%- if content is not defined or content is none -%}
    {%- elif content is string -%}{{- content -}}
    {%- elif content is sequence and content is not mapping -%}
        {%- for part in content -%}
            {%- if part is mapping and part.type == "text" -%}{{- part.text -}}
            {%- elif part is string -%}{{- part -}}
            {%- else -%}{{- part | tojson -}}{%- endif -%}
        {%- endfor -%}
    {%- else -%}{{- content | tojson -}}
    {%- endif -%}
{%- endmacro -%}
{%- if messages and messages[0].role == "system" -%}
    {%- set system_text = render_content(messages[0].content) -%}
    {%- set rest = messages[1:] -%}
{%- else -%}
    {%- set system_text = \""""
    + DEFAULT_SYSTEM_PROMPT
    + """\" -%}
    {%- set rest = messages -%}
{%- endif -%}
{{- "<|im_start|>system\\n" + system_text -}}
{%- if tools -%}
    @TOOLS@
{%- endif -%}
{{- "<|im_end|>\\n" -}}
{%- for message in rest -%}
    {%- if message.role == "assistant" -%}
        {{- "<|im_start|>assistant\\n" -}}
        {%- set text = render_content(message.content) -%}
        {{- text -}}
        {%- if message.tool_calls -%}
            {%- for call in message.tool_calls -%}
                {%- if call.function is defined -%}{%- set call = call.function -%}{%- endif -%}
                {%- if text or not loop.first -%}{{- "\\n" -}}{%- endif -%}
                {{- "<tool_call>\\n" -}}
                {%- if call.arguments is string -%}
                    {{- "{\\"name\\": " + (call.name | tojson) + ", \\"arguments\\": " + call.arguments + "}" -}}
                {%- else -%}
                    {{- {"name": call.name, "arguments": call.arguments} | tojson -}}
                {%- endif -%}
                {{- "\\n</tool_call>" -}}
            {%- endfor -%}
        {%- endif -%}
        {{- "<|im_end|>\\n" -}}
    {%- elif message.role == "tool" -%}
        {%- if loop.first or rest[loop.index0 - 1].role != "tool" -%}{{- "<|im_start|>user" -}}{%- endif -%}
        {{- "\\n<tool_response>\\n" + render_content(message.content) + "\\n</tool_response>" -}}
        {%- if loop.last or rest[loop.index0 + 1].role != "tool" -%}{{- "<|im_end|>\\n" -}}{%- endif -%}
    {%- else -%}
        {{- "<|im_start|>" + message.role + "\\n" + render_content(message.content) + "<|im_end|>\\n" -}}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- "<|im_start|>assistant\\n" -}}
{%- endif -%}"""
)

_FULL_TOOLS = """{{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n" -}}
    {{- "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>" -}}
    {%- for tool in tools -%}
        {{- "\\n" + (tool | tojson) -}}
    {%- endfor -%}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n" -}}
    {{- "<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call>" -}}"""

# One line per tool. The macro is recursive (nested objects, array items); a schema
# that is not a mapping, or has no usable type, renders as "any".
_COMPACT_MACRO = """{%- macro signature(s) -%}
    {%- if s is not mapping -%}{{- "any" -}}
    {%- elif s.enum is defined and s.enum -%}
        {%- for v in s.enum -%}{%- if not loop.first -%}{{- "|" -}}{%- endif -%}{{- v | tojson -}}{%- endfor -%}
    {%- elif s["type"] == "array" -%}{{- signature(s["items"]) + "[]" -}}
    {%- elif s["properties"] is defined and s["properties"] is mapping -%}{{- "{" + fields(s) + "}" -}}
    {%- elif s["type"] is string -%}{{- s["type"] -}}
    {%- elif s["type"] is defined and s["type"] is sequence -%}{{- s["type"] | join("|") -}}
    {%- else -%}{{- "any" -}}
    {%- endif -%}
{%- endmacro -%}
{%- macro fields(s) -%}
    {%- set required = s["required"] if s["required"] is defined and s["required"] else [] -%}
    {%- for key, sub in s["properties"].items() -%}
        {%- if not loop.first -%}{{- ", " -}}{%- endif -%}
        {{- key + ("" if key in required else "?") + ": " + signature(sub) -}}
    {%- endfor -%}
{%- endmacro -%}
"""

_COMPACT_TOOLS = """{{- "\\n\\n# Tools\\n\\nYou may call these functions (? marks an optional parameter):\\n<tools>" -}}
    {%- for tool in tools -%}
        {%- set fn = tool.function if tool.function is defined else tool -%}
        {%- set params = fn.parameters if fn.parameters is defined and fn.parameters is mapping else {} -%}
        {{- "\\n- " + fn.name + "(" + (fields(params) if params["properties"] is defined and params["properties"] is mapping else "") + ")" -}}
        {%- if fn.description is defined and fn.description -%}{{- ": " + fn.description -}}{%- endif -%}
    {%- endfor -%}
    {{- "\\n</tools>\\n\\nWrite each call as <tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call>" -}}"""

FULL_SCHEMA_CHAT_TEMPLATE = _TEMPLATE.replace("@TOOLS@", _FULL_TOOLS)
"""Qwen2.5's own layout: every offered tool's full JSON schema on its own line."""
CHAT_TEMPLATE = _COMPACT_MACRO + _TEMPLATE.replace("@TOOLS@", _COMPACT_TOOLS)
"""The tiny model's default: one compact signature line per offered tool (see the module docstring)."""
TOOL_RENDERINGS = {"compact": CHAT_TEMPLATE, "full": FULL_SCHEMA_CHAT_TEMPLATE}
"""Template per ``tiny_model.tool_rendering`` value."""

# The assistant header the template writes, and what the model must generate to end a turn.
ASSISTANT_HEADER = IM_START + "assistant\n"


def render_chat(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    add_generation_prompt: bool = False,
    template: str = CHAT_TEMPLATE,
) -> str:
    """Render a conversation to text without a tokenizer (used to build the BPE corpus).

    Uses the same sandboxed Jinja setup as transformers' ``apply_chat_template``
    (``tojson`` = ``json.dumps(ensure_ascii=False)``), so the text is identical.
    """
    return _compiled(template).render(
        messages=messages, tools=tools, add_generation_prompt=add_generation_prompt
    )


@functools.lru_cache(maxsize=4)
def _compiled(template: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )
    return env.from_string(template)

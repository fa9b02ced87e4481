"""A Qwen2.5-style chat template with tools, for tokenizers made by ``inftool init-model``.

The layout follows Qwen2.5-Instruct so that data made for the tiny default
model looks exactly like data for a real Qwen2.5 checkpoint:

* a system turn; when ``tools`` are given it lists them as JSON lines inside
  ``<tools></tools>`` and states the ``<tool_call>`` convention;
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
CHAT_TEMPLATE = (
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
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n" -}}
    {{- "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>" -}}
    {%- for tool in tools -%}
        {{- "\\n" + (tool | tojson) -}}
    {%- endfor -%}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n" -}}
    {{- "<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call>" -}}
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

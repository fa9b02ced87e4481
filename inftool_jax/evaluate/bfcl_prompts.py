"""Prompts for BFCL entries, built as BFCL's handlers build them, in two modes.

``prompt`` (BFCL's prompting models, ``OSSHandler`` / ``system_prompt_pre_processing_chat_model``):
BFCL's default system prompt (format ``ret_fmt=python&tool_call_tag=False&func_doc_fmt=json&
prompt_fmt=plaintext&style=classic``) listing the function docs as indented JSON, put before the
entry's messages (or in front of the entry's own system message); the chat template is applied
without ``tools``. Execution results come back as ``tool`` messages; a ``miss_func`` turn's
held-back docs come as a user message (``"{docs}\\nI have updated some more functions ..."``).

``fc`` (function calling): no system prompt; the docs go to the chat template as OpenAI
``tools`` (BFCL types mapped to JSON Schema); a held-back turn adds its docs to ``tools`` and
says ``"I have updated some more functions you can choose from. What about now?"`` (BFCL's
``inference_multi_turn_FC``); calls come back as assistant ``tool_calls`` followed by ``tool``
messages.

The prompt text below is BFCL's (bfcl_eval/constants/default_prompts.py), reproduced because
identical prompts are the point; the test compares it with ``formulate_system_prompt``.
"""

from __future__ import annotations

import copy
import json
from inftool_jax.calls.call import Call
from inftool_jax.calls.hermes import parse_hermes
from inftool_jax.calls.pythonic import render_python
from inftool_jax.tools.bfcl_docs import bfcl_to_json_schema

MODES = ("prompt", "fc")
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."

_PERSONA = "You are an expert in composing functions."
_TASK = (
    "You are given a question and a set of possible functions. Based on the question, you will need to make one or "
    "more function/tool calls to achieve the purpose. If none of the functions can be used, point it out. If the given "
    "question lacks the parameters required by the function, also point it out."
)
_PYTHON_FORMAT = "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]"
_TOOL_CALL_NO_TAG = (
    "You should only return the function calls in your response.\n\nIf you decide to invoke any of the function(s), "
    "you MUST put it in the format of {output_format}. {param_types} You SHOULD NOT include any other text in the response."
)
_MULTITURN = (
    "At each turn, you should try your best to complete the tasks requested by the user within the current turn. "
    "Continue to output functions to call until you have fulfilled the user's request to the best of your ability. "
    "Once you have no more functions to call, the system will consider the current turn complete and proceed to the "
    "next turn or task."
)
_AVAILABLE = "Here is a list of functions in {format} format that you can invoke.\n{functions}\n"
# plaintext template: persona and task are joined without a space, as BFCL joins them
_TEMPLATE = "{persona}{task}\n\n{tool_call_format}\n\n{multiturn_behavior}\n\n{available_tools}"

ADDITIONAL_FUNCTION_FC = "I have updated some more functions you can choose from. What about now?"
ADDITIONAL_FUNCTION_PROMPTING = "{functions}\n" + ADDITIONAL_FUNCTION_FC


def system_prompt(functions: list[dict]) -> str:
    """BFCL's default system prompt for prompting models."""
    return _TEMPLATE.format(
        persona=_PERSONA,
        task=_TASK,
        tool_call_format=_TOOL_CALL_NO_TAG.format(output_format=_PYTHON_FORMAT, param_types=""),
        multiturn_behavior=_MULTITURN,
        available_tools=_AVAILABLE.format(format="json", functions=json.dumps(functions, indent=4)),
    )


def with_system_prompt(messages: list[dict], functions: list[dict]) -> list[dict]:
    """``messages`` with BFCL's system prompt first (merged in front of an existing system message)."""
    messages = copy.deepcopy(messages)
    prompt = system_prompt(functions)
    if messages and messages[0].get("role") == "system":
        messages[0]["content"] = prompt + "\n\n" + messages[0]["content"]
    else:
        messages.insert(0, {"role": "system", "content": prompt})
    return messages


def openai_tools(functions: list[dict]) -> list[dict]:
    """BFCL function docs as OpenAI tool schemas (BFCL's ``dict``/``float``/``tuple``/``any`` mapped)."""
    out = []
    for doc in functions:
        fn = {"name": doc["name"], "description": doc.get("description", "")}
        fn["parameters"] = bfcl_to_json_schema(doc.get("parameters") or {"type": "dict", "properties": {}})
        out.append({"type": "function", "function": fn})
    return out


def first_request(mode: str, messages: list[dict], functions: list[dict]) -> tuple[list[dict] | None, list[dict]]:
    """(tools, messages) for a conversation's first model query."""
    if mode == "fc":
        return openai_tools(functions), copy.deepcopy(messages)
    return None, with_system_prompt(messages, functions)


def held_back_message(mode: str, functions: list[dict]) -> dict:
    """The user message of a miss_func turn that offers the held-back functions."""
    if mode == "fc":
        return {"role": "user", "content": ADDITIONAL_FUNCTION_FC}
    return {"role": "user", "content": ADDITIONAL_FUNCTION_PROMPTING.format(functions=functions)}


def python_call_text(call: Call) -> str:
    """One call the way BFCL's executor names it in tool messages: ``f(a='x',b=1)``."""
    return f"{call.name}(" + ", ".join(f"{k}={v!r}" for k, v in call.arguments.items()) + ")"


def assistant_messages(mode: str, raw_text: str, calls: list[Call] | None, results: list[str]) -> list[dict]:
    """The assistant's step and the execution results, as the history the next query sees."""
    if mode == "fc" and calls:
        ids = [f"call_{i}" for i in range(len(calls))]
        tool_calls = [
            {"id": i, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments, default=list)}}
            for i, c in zip(ids, calls)
        ]
        out: list[dict] = [{"role": "assistant", "content": "", "tool_calls": tool_calls}]
        out += [{"role": "tool", "tool_call_id": i, "content": r} for i, r in zip(ids, results)]
        return out
    out = [{"role": "assistant", "content": raw_text}]
    if calls:
        out += [{"role": "tool", "name": python_call_text(c), "content": r} for c, r in zip(calls, results)]
    return out


def result_text(raw: str) -> str:
    """Model text as it goes into a result file: BFCL's Python-call syntax.

    Hermes ``<tool_call>`` answers (chat templates with tools; OpenAI ``tool_calls``) are
    rewritten as ``[f(a=1), ...]`` so that BFCL's own prompting decoder reads the same calls;
    anything else is kept as the model wrote it.
    """
    if "<tool_call>" in raw:
        parsed = parse_hermes(raw)
        if parsed.ok and parsed.calls:
            return render_python(parsed.calls)
    return raw


def message_text(message: dict) -> str:
    """The text of an OpenAI chat-completions answer: its tool calls in Python-call syntax, else its content."""
    calls = []
    for tc in message.get("tool_calls") or []:
        fn = tc.get("function") or {}
        args = fn.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except json.JSONDecodeError:
                return message.get("content") or ""
        if not isinstance(args, dict) or not isinstance(fn.get("name"), str):
            return message.get("content") or ""
        calls.append(Call(fn["name"], args))
    if calls:
        return render_python(calls)
    return result_text(message.get("content") or "")


def single_turn_request(mode: str, question: list, functions: list[dict]) -> tuple[list[dict] | None, list[dict]]:
    """(tools, messages) for a single-turn entry: its one turn of messages, BFCL's Python hint on every doc."""
    docs = hinted(functions)
    return first_request(mode, question[0], docs)


def hinted(functions: list[dict]) -> list[dict]:
    """Docs with BFCL's Python-language hint appended to each description (``add_language_specific_hint_to_function_doc``)."""
    docs = copy.deepcopy(functions)
    for doc in docs:
        doc["description"] = doc.get("description", "") + PYTHON_HINT
    return docs

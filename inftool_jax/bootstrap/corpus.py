"""The BPE training corpus of the tiny model: the catalog's tools, conversations synthesized from it, generic text.

Everything is rendered through the chat template the tokenizer will carry, so the template's markup and the
catalog's names, values and JSON shapes are all well covered by the merges.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from inftool_jax.model.chat_template import CHAT_TEMPLATE, render_chat


_GENERIC_SENTENCES = """\
Hello! How can I help you today?
Sure, I can help with that.
Thanks, that is exactly what I needed.
Could you tell me a bit more about what you are looking for?
I could not find a tool that can do that, sorry.
Which city do you mean? Please give me the name.
What date would you like? For example 2024-05-17 or next Monday.
Here is the result of the search.
The request failed because a required parameter was missing.
Please find the details below.
Let me check that for you.
I have booked the table for two people at 7:30 pm.
The weather in Paris is 18 degrees Celsius and cloudy.
Your order number is 48213 and it will arrive on Friday.
Convert 250 US dollars to euros, please.
Send an email to alice@example.com with the subject "Meeting notes".
Set a reminder for tomorrow at 9 am to call the dentist.
How many users signed up last week?
Find flights from New York to London on March 3rd.
Book a hotel in Tokyo from June 10 to June 14 for 2 adults.
Create a new task called "Write report" with high priority.
Delete the file with id abc-123.
What is the status of ticket #5521?
Translate "good morning" into Spanish.
List the last 10 transactions on my account.
Play some jazz music in the living room.
Turn off the lights in the kitchen.
Get the stock price of AAPL and MSFT.
Calculate the area of a circle with radius 4.5.
The total is $1,299.99 including tax.
Yes, please go ahead.
No, that is not what I meant.
I need the answer in kilometers, not miles.
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January February March April May June July August September October November December
true false null
id name type value status error message result results data items count total page limit offset
{"status": "ok", "data": {"items": [], "count": 0}}
{"error": {"code": 404, "message": "not found"}}
[1, 2, 3, 4.5, -7, 0.25, 1e-3]
"""


def _numbers_and_dates(rng: random.Random, n: int = 200) -> Iterator[str]:
    for _ in range(n):
        yield (
            f"{rng.randint(0, 9999)} {rng.uniform(-1000, 1000):.2f} "
            f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        )


def generic_text(seed: int = 0) -> list[str]:
    """Built-in chat phrases, numbers, dates and JSON punctuation for the BPE corpus."""
    rng = random.Random(seed)
    return _GENERIC_SENTENCES.splitlines() + list(_numbers_and_dates(rng))


_WORDS = ["alpha", "new york", "paris", "report", "blue", "john smith", "2024-05-17", "ok", "main", "example"]


def example_value(schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A plausible value for a JSON Schema, for corpus text only (not validated)."""
    if not isinstance(schema, dict):
        return rng.choice(_WORDS)
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("integer",):
        return rng.randint(0, 500)
    if kind in ("number", "float"):
        return round(rng.uniform(0, 500), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("array", "tuple") and depth < 3:
        return [example_value(schema.get("items"), rng, depth + 1) for _ in range(rng.randint(1, 2))]
    if kind in ("object", "dict") and depth < 3:
        return _example_object(schema, rng, depth + 1)
    return rng.choice(_WORDS)


def _example_object(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> dict[str, Any]:
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    return {
        key: example_value(sub, rng, depth)
        for key, sub in props.items()
        if key in required or rng.random() < 0.5
    }


def _tool_conversations(tools: Sequence[dict[str, Any]], per_tool: int, rng: random.Random,
                        template: str = CHAT_TEMPLATE) -> Iterator[str]:
    """Chat-template text for each tool: the tools system prompt, calls and responses."""
    for start in range(0, len(tools), 4):
        group = list(tools[start : start + 4])
        for tool in group:
            fn = tool["function"]
            for _ in range(per_tool):
                args = _example_object(fn.get("parameters") or {}, rng)
                messages = [
                    {"role": "user", "content": f"Please use {fn['name']}: {fn.get('description', '')}"},
                    {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": fn["name"], "arguments": args}}]},
                    {"role": "tool", "content": json.dumps({"result": args}, ensure_ascii=False)},
                    {"role": "assistant", "content": f"Done: {fn['name']} returned the result."},
                ]
                yield render_chat(messages, tools=group, template=template)


def catalog_tools(spec_paths: Sequence[str | Path]) -> list[dict[str, Any]]:
    """The catalog under ``spec_paths`` as OpenAI tool dicts (empty for no paths)."""
    if not spec_paths:
        return []
    from inftool_jax.tools import load_catalog

    return [spec.to_openai() for spec in load_catalog([str(p) for p in spec_paths]).tools]


def synthesized_conversations(spec_paths: Sequence[str | Path], count: int, synth: Any = None, seed: int = 0,
                              template: str = CHAT_TEMPLATE) -> list[str]:
    """``count`` episodes synthesized from the catalog by the programmatic agents, rendered through ``template``.

    ``synth`` is a :class:`~inftool_jax.synth.config.SynthConfig` (default settings when None); its
    role backends are replaced by the programmatic ones, so no server is needed. Empty when there
    are no spec paths or ``count`` is 0.
    """
    if not spec_paths or count <= 0:
        return []
    import tempfile

    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.pipeline import Synthesis
    from inftool_jax.tools import load_catalog

    config = (synth or SynthConfig()).model_copy(update={"backends": SynthConfig().backends})
    tools = load_catalog([str(p) for p in spec_paths]).tools
    texts: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        run = Synthesis(tools, config, seed, scratch)  # categories the catalog cannot serve are left out
        try:
            index = 0
            while len(texts) < count and index < 3 * count:
                episode, _ = run.produce(index)
                index += 1
                if episode is not None:
                    texts.append(render_chat(episode["messages"], tools=episode["tools"], template=template))
        finally:
            run.close()
    return texts


def corpus_texts(spec_paths: Sequence[str | Path], examples_per_tool: int = 4, seed: int = 0,
                 template: str = CHAT_TEMPLATE, episodes: int = 0, synth: Any = None) -> list[str]:
    """The BPE training corpus: catalog tools rendered through the chat ``template``, ``episodes``
    synthesized conversations (:func:`synthesized_conversations`) and generic text.

    Bad or missing spec paths raise :class:`InputError` (from the catalog loader).
    """
    rng = random.Random(seed)
    texts: list[str] = []
    tools = catalog_tools(spec_paths)
    for tool in tools:
        fn = tool["function"]
        texts.append(f"{fn['name']}: {fn.get('description', '')}")
        texts.append(json.dumps(tool, ensure_ascii=False))
    texts.extend(_tool_conversations(tools, examples_per_tool, rng, template))
    texts.extend(synthesized_conversations(spec_paths, episodes, synth, seed, template))
    # Generic conversations too, so the template's own text is always well covered.
    generic = generic_text(seed)
    for i in range(0, len(generic) - 1, 2):
        texts.append(
            render_chat(
                [{"role": "user", "content": generic[i]}, {"role": "assistant", "content": generic[i + 1]}],
                add_generation_prompt=False,
                template=template,
            )
        )
    texts.extend(generic)
    return texts

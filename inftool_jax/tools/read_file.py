"""Read one spec file: JSON, JSON Lines or YAML, with errors that name the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from inftool_jax.errors import InputError

YAML_SUFFIXES = (".yaml", ".yml")


class _SpecLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: `2024-05-01` stays the string a JSON spec would hold."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_document(path: str | Path) -> Any:
    """The parsed content of ``path`` (a dict or a list).

    YAML for ``.yaml``/``.yml``; JSON for ``.json`` (falling back to JSON Lines,
    the layout BFCL's data files use); other names by content (``{``/``[`` ->
    JSON). Unreadable, empty or malformed files raise InputError naming the line.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "", "not UTF-8 text") from None
    except OSError as err:
        raise InputError(source, "", f"cannot read file: {err.strerror or err}") from None
    if not text.strip():
        raise InputError(source, "", "empty file")
    stripped = text.lstrip("\ufeff \t\r\n")
    suffix = Path(path).suffix.lower()
    if suffix in YAML_SUFFIXES or (suffix not in (".json", ".jsonl") and stripped[:1] not in "{["):
        data = _parse_yaml(text, source)
    else:
        data = _parse_json(stripped, source)
    if not isinstance(data, (dict, list)):
        raise InputError(source, "", f"expected an object or a list at the top level, got {_kind(data)}")
    return data


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg != "Extra data":
            raise InputError(source, "", f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    # More than one value: JSON Lines, one document per non-blank line.
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise InputError(
                source, "", f"invalid JSON Lines at line {number}, column {err.colno}: {err.msg}"
            ) from None
    return lines


def _parse_yaml(text: str, source: str) -> Any:
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_alias_expansion(node, source)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(source, "", f"invalid YAML{where}: {problem}") from None
    finally:
        loader.dispose()
    if data is None:
        raise InputError(source, "", "empty document (only comments or blank lines)")
    return _string_keys(data)


def _check_alias_expansion(root: yaml.Node, source: str) -> None:
    """Refuse YAML whose aliases would expand far beyond what was written (a "billion laughs" document).

    Aliases make the parsed document a graph; everything after parsing walks it as a tree, so a 766-byte file of
    nested aliases becomes billions of nodes. The tree size is counted on the graph (each node once, memoised)
    before anything is built, and must stay within ``MAX_ALIAS_EXPANSION`` times the written nodes plus
    ``ALIAS_ALLOWANCE``: real specs that use anchors for shared parts stay far below.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise InputError(source, "", "a YAML alias refers to a node that contains it (an endless document)")
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                raise InputError(source, "", "a YAML alias refers to a node that contains it (an endless document)")
            if id(child) not in sizes:
                stack.append((child, False))
    written = len(sizes)
    limit = MAX_ALIAS_EXPANSION * written + ALIAS_ALLOWANCE
    if sizes[id(root)] > limit:
        raise InputError(
            source, "", f"YAML aliases expand {written:,} written nodes to {sizes[id(root)]:,} (limit {limit:,}); "
            "refused as an alias bomb: write the repeated parts out or use $ref"
        )


MAX_ALIAS_EXPANSION = 10
"""Times the written YAML nodes that aliases may expand a document to (plus ``ALIAS_ALLOWANCE``)."""
ALIAS_ALLOWANCE = 1_000_000
"""Expanded nodes always allowed, whatever the written size."""


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _string_keys(node: Any) -> Any:
    # YAML reads `200:` as an int key; JSON (and OpenAPI) mean the string "200".
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(v) for v in node]
    return node


def _kind(value: Any) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(type(value), type(value).__name__)

"""Tools that act on several records in one call: ``create_entities(entities)``, ``open_nodes(names)``...

The knowledge-graph memory server (and APIs like it) take arrays: the records to make
(objects keyed by their ``name``), the keys to read or delete, or items that name the
record they change (``{"entityName", "contents"}``). Each element is one record
operation with the usual rules: what a create made a read finds, a deleted or
unknown key is a 404 naming it, a record from before the episode appears when first
named. The whole call fails on the first missing key, as these servers do.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.world.sim_state import EpisodeState, Record, SimTool, ToolResult, copy_json, error_result, record_key


def plural(noun: str) -> str:
    """``entity`` -> ``entities``, ``node`` -> ``nodes``."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def batch_keys(tool: SimTool, arguments: dict[str, Any]) -> list[Any]:
    """The record keys a batch call names (read, update, delete); a create names none that must exist."""
    op = tool.op
    items = arguments.get(op.batch)
    if op.kind == "create" or not isinstance(items, list):
        return []
    if op.kind == "update":
        return [it.get(op.id_param) for it in items if isinstance(it, dict) and op.id_param]
    return list(items)


def _find(state: EpisodeState, tool: SimTool, raw: Any) -> Record | None:
    key = record_key(raw)
    if key is None or key in state.deleted:
        return None
    record = state.records.get(key)
    if record is None and key in state.existing and key not in state.shown:
        record = Record(state.existing[key], tool.collection, {tool.op.id_field: state.existing[key]})
        state.records[key] = record
        state.revealed.append(record.id)
    return record if record is not None and tool.owns(record) else None


def _missing(tool: SimTool, raw: Any) -> ToolResult:
    noun = tool.op.resource.replace("_", " ")
    return error_result(404, "not_found", f"{noun} {raw!r} not found", resource=tool.op.resource, id=raw)


def batch_call(state: EpisodeState, tool: SimTool, args: dict[str, Any]) -> ToolResult:
    """Run one batch call (see the module docstring) against ``state``."""
    op = tool.op
    items = args.get(op.batch)
    items = items if isinstance(items, list) else []
    if op.kind == "create":
        made = []
        for item in items:
            key = record_key(item.get(op.id_field)) if isinstance(item, dict) else None
            if key is None or (key in state.records and tool.owns(state.records[key])):
                continue  # an existing name is left as it is, as the memory server does
            state.deleted.pop(key, None)
            state.records[key] = Record(item[op.id_field], tool.collection, copy_json(item))
            made.append(copy_json(item))
        return ToolResult(True, {op.batch: made})
    found: list[tuple[Record, Any]] = []
    for raw, item in zip(batch_keys(tool, args), items):
        record = _find(state, tool, raw)
        if record is None:
            return _missing(tool, raw)
        found.append((record, item))
    if op.kind == "delete":
        for record, _ in found:
            key = record_key(record.id)
            state.deleted[key] = state.records.pop(key)  # type: ignore[index,arg-type]
        return ToolResult(True, {"deleted": [r.id for r, _ in found]})
    if op.kind == "update":
        for record, item in found:
            _merge(record, {k: v for k, v in item.items() if k != op.id_param})
        return ToolResult(True, {op.batch: [copy_json(item) for _, item in found]})
    return ToolResult(True, {plural(op.resource): [copy_json(r.fields) for r, _ in found]})


def _merge(record: Record, change: dict[str, Any]) -> None:
    """Lay ``change`` over a record; a lone list in the change extends the record's lone list
    (``contents`` added to an entity's ``observations``)."""
    lists = [k for k, v in record.fields.items() if isinstance(v, list)]
    added = [k for k, v in change.items() if isinstance(v, list)]
    for key, value in change.items():
        if key in added and len(added) == 1 and len(lists) == 1 and key not in record.fields:
            record.fields[lists[0]] = record.fields[lists[0]] + [v for v in value if v not in record.fields[lists[0]]]
        elif isinstance(value, list) and isinstance(record.fields.get(key), list):
            record.fields[key] = record.fields[key] + [v for v in value if v not in record.fields[key]]
        else:
            record.fields[key] = copy_json(value)

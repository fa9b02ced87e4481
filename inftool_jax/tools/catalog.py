"""Many spec files -> one Catalog: identical tools kept once, clashing names renamed, warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest import load_spec_file
from inftool_jax.tools.ingest_log import IngestLog
from inftool_jax.tools.names import is_identifier, with_suffix
from inftool_jax.tools.spec import ToolSpec

SPEC_SUFFIXES = (".json", ".jsonl", ".yaml", ".yml")


@dataclass
class MergeEntry:
    """One merge decision: ``duplicate`` (kept once, all sources listed) or ``renamed``."""

    kind: str
    name: str
    sources: list[str]
    renamed_to: str = ""

    def __str__(self) -> str:
        if self.kind == "duplicate":
            return f"{self.name}: identical in {len(self.sources)} places, kept once ({', '.join(self.sources)})"
        return f"{self.name}: different schema at {self.sources[-1]}, renamed to {self.renamed_to}"


@dataclass
class Catalog:
    """All tools of a set of spec files, names unique."""

    tools: list[ToolSpec]
    files: list[str] = field(default_factory=list)
    merge_report: list[MergeEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    """Files and tools left out (source, pointer, problem, kind), when not strict."""
    dropped_parameters: list[dict[str, Any]] = field(default_factory=list)
    """Credential/transport parameters removed (source, pointer, tool, parameter, location, reason)."""
    file_summary: list[dict[str, Any]] = field(default_factory=list)
    """Per file: format, tools kept, tools skipped, whether the file was skipped, parameters dropped."""

    def by_name(self, name: str) -> ToolSpec:
        """The tool called ``name`` (KeyError if there is none)."""
        for tool in self.tools:
            if tool.name == name:
                return tool
        raise KeyError(f"no tool named {name!r} in the catalog")

    def domains(self) -> list[str]:
        """Domain names, sorted."""
        return sorted({tool.domain for tool in self.tools})

    def in_domain(self, domain: str) -> list[ToolSpec]:
        """The tools of one domain, in catalog order."""
        return [tool for tool in self.tools if tool.domain == domain]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: files, tools, merge report, warnings."""
        return {
            "files": list(self.files),
            "tools": [tool.to_dict() for tool in self.tools],
            "merge_report": [vars(entry).copy() for entry in self.merge_report],
            "warnings": list(self.warnings),
            "skipped": list(self.skipped),
            "dropped_parameters": list(self.dropped_parameters),
            "file_summary": list(self.file_summary),
        }


def spec_files(paths: list[str | Path]) -> list[Path]:
    """Files given, and ``*.json``/``*.jsonl``/``*.yaml``/``*.yml`` under folders given (recursive, sorted).

    Hidden files and folders (``.git``, editor swap folders) inside a folder are skipped.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SPEC_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not inside:
                raise InputError(str(path), "", "folder holds no *.json, *.jsonl, *.yaml or *.yml spec files")
        elif path.is_file():
            inside = [path]
        else:
            raise InputError(str(path), "", "no such file or folder")
        for file in inside:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                found.append(file)
    return found


def load_catalog(
    paths: list[str | Path], *, strict: bool = False, keep_transport_params: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Catalog:
    """Ingest every spec under ``paths`` into one Catalog (files in the order given, folders sorted).

    By default a file or tool that cannot be ingested is skipped: ``Catalog.skipped`` names the file, the JSON
    pointer and the reason, the warnings say so and end with tools kept / skipped per file, and ``warn`` (if
    given) receives those lines. Only when nothing usable remains does the first problem raise. ``strict``
    raises on the first problem instead. Credential and transport parameters (``transport_params``) are dropped
    and listed in ``Catalog.dropped_parameters`` unless ``keep_transport_params``.
    """
    files = spec_files(paths)
    log = IngestLog(strict=strict, keep_transport_params=keep_transport_params)
    loaded: list[ToolSpec] = []
    warnings: list[str] = []
    summary: list[dict[str, Any]] = []
    for file in files:
        before_skips, before_drops = len(log.skipped), len(log.dropped)
        specs = log.attempt("file", load_spec_file, file, log)
        skipped = log.skipped[before_skips:]
        if specs is not None and not specs and not skipped:
            warnings.append(f"{file}: no tools found")
        specs = specs or []
        loaded.extend(specs)
        summary.append({
            "file": str(file),
            "format": specs[0].format if specs else "",
            "kept": len(specs),
            "skipped": sum(s.kind != "file" for s in skipped),
            "file_skipped": any(s.kind == "file" for s in skipped),
            "dropped_parameters": len(log.dropped) - before_drops,
        })
    if not loaded and log.skipped:
        first = log.skipped[0]
        more = len(log.skipped) - 1
        raise InputError(first.source, first.pointer, first.problem + (f" (and {more} more problems: no usable tool remains)" if more else ""))
    tools, report = merge_tools(loaded)
    notices = [str(s) for s in log.skipped] + _dropped_lines(log, summary)
    if log.skipped:
        notices += [_summary_line(row) for row in summary]
    warnings = notices + warnings
    warnings += [f"{e.sources[-1]}: tool name '{e.name}' already taken, renamed to '{e.renamed_to}'"
                 for e in report if e.kind == "renamed"]
    for tool in tools:
        warnings += tool_warnings(tool)
    # A shared definition used by several tools gives the same note once per tool: report it once.
    warnings = list(dict.fromkeys(warnings))
    if warn is not None:
        for line in notices:
            warn(line)
    return Catalog(
        tools=tools, files=[str(f) for f in files], merge_report=report, warnings=warnings,
        skipped=[vars(s).copy() for s in log.skipped], dropped_parameters=[vars(d).copy() for d in log.dropped],
        file_summary=summary,
    )


def _dropped_lines(log: IngestLog, summary: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in summary:
        dropped = [d for d in log.dropped if d.source == row["file"]]
        if dropped:
            names = ", ".join(dict.fromkeys(d.parameter for d in dropped))
            tools = len({d.tool for d in dropped})
            lines.append(f"{row['file']}: dropped {len(dropped)} credential/transport parameters from {tools} tools ({names}); "
                         "specs.keep_transport_params: true (--keep-transport-params) keeps them")
    return lines


def _summary_line(row: dict[str, Any]) -> str:
    if row["file_skipped"]:
        return f"{row['file']}: file skipped, no tools kept"
    return f"{row['file']}: {row['kept']} tools kept, {row['skipped']} skipped"


def merge_tools(specs: list[ToolSpec]) -> tuple[list[ToolSpec], list[MergeEntry]]:
    """Drop exact duplicates (name + fingerprint), rename later tools whose name is taken.

    A clash renames the later tool ``name__2`` (then ``__3``...), so the
    result depends only on the order of ``specs``.
    """
    kept: list[ToolSpec] = []
    by_key: dict[tuple[str, str], MergeEntry | ToolSpec] = {}
    names: set[str] = set()
    duplicates: dict[tuple[str, str], MergeEntry] = {}
    report: list[MergeEntry] = []
    for spec in specs:
        key = (spec.name, spec.fingerprint())
        where = f"{spec.source}#{spec.pointer}"
        if key in by_key:
            entry = duplicates.get(key)
            if entry is None:
                first = by_key[key]
                entry = MergeEntry("duplicate", first.name, [f"{first.source}#{first.pointer}"])
                duplicates[key] = entry
                report.append(entry)
            entry.sources.append(where)
            continue
        by_key[key] = spec
        if spec.name in names:
            n = 2
            while with_suffix(spec.name, f"__{n}") in names:
                n += 1
            new_name = with_suffix(spec.name, f"__{n}")
            report.append(MergeEntry("renamed", spec.name, [where], new_name))
            spec.notes.append(f"renamed from '{spec.name}': another tool already has that name")
            spec.name = new_name
        names.add(spec.name)
        kept.append(spec)
    return kept, report


def tool_warnings(tool: ToolSpec) -> list[str]:
    """What a tool lacks for good synthesis: descriptions, callable names, valid defaults; ingestion notes."""
    at = f"{tool.source}: {tool.pointer or '/'}"
    out = [f"{tool.source}: {note}" for note in tool.notes if not note.startswith("renamed from")]
    if not tool.description:
        out.append(f"{at}: tool '{tool.name}' has no description")
    for path, name, schema in _walk_properties(tool.parameters, ""):
        label = f"tool '{tool.name}' parameter '{path}'"
        if isinstance(schema, dict) and not schema.get("description"):
            out.append(f"{at}: {label} has no description")
        if not is_identifier(name):
            out.append(f"{at}: {label} is not an identifier; Python-syntax calls cannot pass it")
        if isinstance(schema, dict) and "default" in schema and not _default_fits(schema):
            out.append(f"{at}: {label} default {schema['default']!r} does not match its own schema")
    return out


def _walk_properties(schema: Any, prefix: str):
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path, name, sub
        yield from _walk_properties(sub, path)
        if isinstance(sub, dict) and isinstance(sub.get("items"), dict):
            yield from _walk_properties(sub["items"], path + "[]")


def _default_fits(schema: dict[str, Any]) -> bool:
    from jsonschema import Draft202012Validator

    probe = {k: v for k, v in schema.items() if k != "default"}
    if schema.get("nullable") and schema["default"] is None:
        return True
    return Draft202012Validator(probe).is_valid(schema["default"])

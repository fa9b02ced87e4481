"""`inftool specs inspect`: what a set of API specs turns into as a tool catalog."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("specs", help="inspect API specs as a tool catalog")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    inspect = verbs.add_parser(
        "inspect",
        help="print tools per source and domain, parameter statistics, merges, id chains and warnings",
        description=(
            "Ingest OpenAPI 3.x, OpenAI tools/functions, JSON-Schema functions, MCP tools/list results, "
            "BFCL function docs (Python, Java, JavaScript) and xLAM/APIGen functions (files or folders, recursive) and "
            "print the resulting catalog. A bad file or tool is skipped with a warning unless --strict. "
            "Example: inftool specs inspect configs/specs --json"
        ),
    )
    inspect.add_argument("paths", nargs="+", metavar="PATH", help="spec files or folders (*.json, *.yaml, *.yml)")
    inspect.add_argument("--json", action="store_true", help="print one JSON report instead of tables")
    add_ingestion_flags(inspect)
    inspect.set_defaults(func=_inspect)


def add_ingestion_flags(parser: argparse.ArgumentParser) -> None:
    """``--strict`` and ``--keep-transport-params``: the ingestion switches every command that reads specs shares."""
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first bad file or tool (default: skip it with a warning naming file, pointer and reason)")
    parser.add_argument("--keep-transport-params", action="store_true",
                        help="keep credential and transport parameters (API keys, access_token, prettyPrint, $.xgafv...) "
                             "that ingestion drops by default")


def build_report(paths: list[str], strict: bool = False, keep_transport_params: bool = False) -> dict:
    """The inspection report as plain data (what --json prints)."""
    from collections import defaultdict

    from inftool_jax.tools import find_chains, load_catalog
    from inftool_jax.tools.stats import parameter_stats

    catalog = load_catalog(paths, strict=strict, keep_transport_params=keep_transport_params)
    by_source: dict[str, list[str]] = defaultdict(list)
    formats: dict[str, str] = {}
    for tool in catalog.tools:
        by_source[tool.source].append(tool.name)
        formats[tool.source] = tool.format
    return {
        "files": catalog.files,
        "tools": [tool.to_dict() for tool in catalog.tools],
        "by_source": [
            {"source": source, "format": formats.get(source, ""), "tools": by_source.get(source, [])}
            for source in catalog.files
        ],
        "by_domain": {domain: [t.name for t in catalog.in_domain(domain)] for domain in catalog.domains()},
        "stats": parameter_stats(catalog.tools),
        "chains": [vars(chain) | {"text": str(chain)} for chain in find_chains(catalog.tools)],
        "merge_report": [vars(entry) | {"text": str(entry)} for entry in catalog.merge_report],
        "files_summary": catalog.file_summary,
        "skipped": catalog.skipped,
        "dropped_parameters": catalog.dropped_parameters,
        "warnings": catalog.warnings,
    }


def _inspect(args: argparse.Namespace) -> int:
    report = build_report(args.paths, strict=args.strict, keep_transport_params=args.keep_transport_params)
    if args.json:
        import json

        # Ingestion refuses NaN/Infinity, so allow_nan=False can only fail on a bug, never print bare NaN.
        print(json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False))
        return 0
    _print_tables(report)
    return 0


def _print_tables(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    files = Table(title="Ingestion per file")
    for column in ("file", "format", "kept", "skipped", "dropped params"):
        files.add_column(column)
    for row in report["files_summary"]:
        files.add_row(row["file"], row["format"] or "-", str(row["kept"]),
                      "whole file" if row["file_skipped"] else str(row["skipped"]), str(row["dropped_parameters"]))
    console.print(files)

    sources = Table(title="Tools per source")
    for column in ("source", "format", "tools", "names"):
        sources.add_column(column)
    for row in report["by_source"]:
        sources.add_row(row["source"], row["format"], str(len(row["tools"])), ", ".join(row["tools"]))
    console.print(sources)

    domains = Table(title="Tools per domain")
    for column in ("domain", "tools", "names"):
        domains.add_column(column)
    for domain, names in report["by_domain"].items():
        domains.add_row(domain, str(len(names)), ", ".join(names))
    console.print(domains)

    stats = Table(title="Parameter statistics")
    stats.add_column("statistic")
    stats.add_column("value", justify="right")
    for key, value in report["stats"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
        stats.add_row(key.replace("_", " "), str(value))
    console.print(stats)

    console.print(f"[bold]Id chains[/bold] ({len(report['chains'])}: a returned field another tool requires)")
    for chain in report["chains"]:
        console.print(f"  {chain['text']}", markup=False, soft_wrap=True)
    console.print(f"[bold]Merge report[/bold] ({len(report['merge_report'])})")
    for entry in report["merge_report"]:
        console.print(f"  {entry['text']}", markup=False, soft_wrap=True)
    console.print(f"[bold]Warnings[/bold] ({len(report['warnings'])})")
    for warning in report["warnings"]:
        console.print(f"  {warning}", markup=False, soft_wrap=True)

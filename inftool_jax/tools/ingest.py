"""One spec file -> its ToolSpecs, whatever the format."""

from __future__ import annotations

from pathlib import Path

from inftool_jax.errors import InputError
from inftool_jax.tools.bfcl_docs import ingest_bfcl
from inftool_jax.tools.detect import BFCL, MCP, OPENAI, OPENAPI, XLAM, detect_format
from inftool_jax.tools.ingest_log import IngestLog
from inftool_jax.tools.mcp_tools import ingest_mcp
from inftool_jax.tools.openai_functions import ingest_openai
from inftool_jax.tools.openapi import ingest_openapi
from inftool_jax.tools.read_file import read_document
from inftool_jax.tools.spec import ToolSpec
from inftool_jax.tools.xlam import dataset_rows_tools, is_dataset_rows


def file_domain(path: str | Path) -> str:
    """The domain of a file's tools unless the spec says otherwise: its name up to the first dot.

    ``configs/specs/travel.openapi.yaml`` -> ``travel``.
    """
    return Path(path).name.split(".", 1)[0]


def load_spec_file(path: str | Path, log: IngestLog | None = None) -> list[ToolSpec]:
    """Read, detect and ingest one file; malformed content raises InputError.

    ``log`` (default: strict, transport parameters dropped) decides whether a bad tool inside the file is skipped
    (and recorded there) or raised; a file that cannot be read or recognised always raises.
    """
    try:
        return _load(path, log if log is not None else IngestLog())
    except RecursionError:
        # Pathologically deep nesting must still end as one error line, not a traceback.
        raise InputError(str(path), "", "nesting too deep to ingest") from None


def _load(path: str | Path, log: IngestLog) -> list[ToolSpec]:
    source = str(path)
    doc = read_document(path)
    fmt = detect_format(doc, source)
    domain = file_domain(path)
    if fmt == OPENAPI:
        return ingest_openapi(doc, source, domain, log)
    if fmt == MCP:
        return ingest_mcp(doc, source, domain, log)
    if fmt == BFCL:
        return ingest_bfcl(doc, source, domain, log)
    if fmt == XLAM:
        entries = dataset_rows_tools(doc, source) if is_dataset_rows(doc) else None
        return ingest_openai(doc, source, domain, fmt="xlam", log=log, entries=entries)
    return ingest_openai(doc, source, domain, fmt="openai" if fmt == OPENAI else "functions", log=log)

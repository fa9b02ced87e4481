"""JSON pointers (RFC 6901): build them for error messages, follow them for `$ref`."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from inftool_jax.errors import InputError


def escape(token: str | int) -> str:
    """One pointer token, with ``~`` and ``/`` escaped."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    """``pointer`` extended by ``tokens`` (each escaped)."""
    return pointer + "".join("/" + escape(t) for t in tokens)


def from_path(pointer: str, path) -> str:
    """``pointer`` extended by a sequence of keys/indices (e.g. a jsonschema error path)."""
    return join(pointer, *list(path))


class PointerMissing(LookupError):
    """The pointer names a location the document does not have."""


def resolve(document: Any, fragment: str) -> Any:
    """The value at URI fragment ``fragment`` (``#/a/b`` or ``/a/b``) inside ``document``.

    Tokens are percent-decoded first (a ``$ref`` is a URI) and then unescaped.
    """
    pointer = unquote(fragment[1:] if fragment.startswith("#") else fragment)
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise PointerMissing(f"'{fragment}' is not a JSON pointer")
    node = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise PointerMissing(f"no '{token}' at '{fragment}'")
    return node


def follow_local_ref(document: Any, ref: Any, source: str, pointer: str) -> Any:
    """The target of the ``$ref`` held by the node at ``pointer`` of file ``source``: the one place ingestion
    follows a reference (schemas, and OpenAPI parameters, bodies and responses alike).

    Only same-file references (``#/...``) are followed; anything else, and a reference to nothing, raises
    InputError naming ``pointer/$ref``.
    """
    here = join(pointer, "$ref")
    if not isinstance(ref, str):
        raise InputError(source, here, "$ref must be a string")
    if not ref.startswith("#"):
        raise InputError(source, here, f"external $ref '{ref}' is not supported (only '#/...' inside the same file)")
    try:
        return resolve(document, ref)
    except PointerMissing as err:
        raise InputError(source, here, f"broken $ref '{ref}': {err}") from None

"""Credential and transport parameters of OpenAPI operations: dropped at ingestion unless asked to keep them.

A user asks for their tasks, not for ``access_token``, ``prettyPrint`` or ``$.xgafv``: these travel with every
request of an API (credentials, response-format switches), so as tool arguments they only teach a model to recite
secrets and plumbing. Two sources decide:

- the document's own ``components.securitySchemes``: an ``apiKey`` scheme names its parameter and location;
  ``http`` (basic, bearer), ``oauth2`` and ``openIdConnect`` schemes travel in the ``Authorization`` header;
- Google's standard query parameters, which its discovery documents (and the OpenAPI converted from them) repeat on
  every operation: ``$.xgafv``, ``access_token``, ``alt``, ``callback``, ``fields``, ``key``, ``oauth_token``,
  ``prettyPrint``, ``quotaUser``, ``upload_protocol``, ``uploadType``, ``userIp``. Common words among them (``key``,
  ``fields``, ``alt``, ``callback``) are dropped only when optional and next to an unmistakable one, so that a
  key-value store's ``key`` stays.
"""

from __future__ import annotations

from typing import Any

from inftool_jax.tools.json_pointer import PointerMissing, resolve

GOOGLE_STANDARD_QUERY = frozenset({
    "$.xgafv", "access_token", "alt", "callback", "fields", "key", "oauth_token", "prettyPrint", "quotaUser",
    "upload_protocol", "uploadType", "userIp",
})
"""Google's standard query parameters (system parameters shared by all its APIs)."""
UNMISTAKABLE_QUERY = frozenset({"$.xgafv", "access_token", "oauth_token", "prettyPrint", "quotaUser", "upload_protocol", "uploadType", "userIp"})
"""Standard parameters no API uses for its own data."""
CREDENTIAL_QUERY = frozenset({"access_token", "oauth_token", "key"})
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def security_parameters(doc: Any) -> set[tuple[str, str]]:
    """``(location, name)`` of every parameter a security scheme of ``doc`` carries (header names lower-cased)."""
    schemes = doc.get("components", {}).get("securitySchemes") if isinstance(doc.get("components"), dict) else None
    found: set[tuple[str, str]] = set()
    if not isinstance(schemes, dict):
        return found
    for scheme in schemes.values():
        if isinstance(scheme, dict) and isinstance(scheme.get("$ref"), str):
            try:
                scheme = resolve(doc, scheme["$ref"])
            except PointerMissing:
                continue  # a broken reference here names no parameter; it must not sink the operations
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        if kind == "apiKey" and isinstance(scheme.get("name"), str) and scheme.get("in") in ("query", "header", "cookie"):
            found.add(_key(scheme["in"], scheme["name"]))
        elif kind in ("http", "oauth2", "openIdConnect"):
            found.add(("header", "authorization"))
    return found


def drop_reason(param: dict[str, Any], query_names: set[str], security: set[tuple[str, str]]) -> str | None:
    """Why parameter ``param`` (an OpenAPI parameter object) is dropped, or None to keep it.

    ``query_names``: the operation's query parameter names, so a common word is dropped only beside an
    unmistakable standard parameter.
    """
    where, name = param.get("in"), param.get("name")
    if not isinstance(name, str):
        return None
    if _key(where, name) in security:
        return "credential (security scheme)"
    if where == "header" and name.lower() in CREDENTIAL_HEADERS:
        return "credential (authorization header)"
    if where != "query" or name not in GOOGLE_STANDARD_QUERY:
        return None
    if name not in UNMISTAKABLE_QUERY and (param.get("required") is True or not (query_names & UNMISTAKABLE_QUERY)):
        return None
    return "credential (standard query parameter)" if name in CREDENTIAL_QUERY else "transport (standard query parameter)"


def _key(where: Any, name: str) -> tuple[str, str]:
    return str(where), name.lower() if where == "header" else name

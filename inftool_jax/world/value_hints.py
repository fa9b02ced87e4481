"""What a parameter's name, description and format say its value looks like, and a value of that kind.

Real specs rarely say ``format: date-time`` or ``pattern`` where it matters: Google
writes "as a RFC 3339 timestamp" in the description, GitHub's ``owner`` and ``repo``
are plain strings, Open-Meteo's ``tilt`` is "in degrees", an xLAM ``count`` is a
string holding a number. :func:`hint_for` reads those signals into one *kind*
(``identifier``, ``path``, ``date-time``, ``degrees``...); :func:`hinted_string` and
:func:`hinted_range` make a value of it. The User Simulator's planned values
(``synth/user/argument_values.py``) and the simulator's results
(:mod:`~inftool_jax.world.value_gen`) both ask here first, and the ``plausible``
verification gate (:mod:`~inftool_jax.world.plausibility`) checks values against the
same kinds, so what is made and what is checked cannot drift apart.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from random import Random
from typing import Any

from inftool_jax.world import vocabulary as V
from inftool_jax.world.named_values import tokens_of

# Last name words that make a parameter an identifier: a value with no spaces, in the shape of a key.
_ID_WORDS = {
    "id", "ids", "uuid", "guid", "sid", "slug", "login", "username", "handle", "branch", "tag", "ref", "sha",
    "repo", "repository", "owner", "org", "organization", "key", "cursor", "token", "hash", "commit", "user",
}
_PATH_WORDS = {"path", "filepath", "filename", "file", "dir", "directory", "folder"}
# Words that name a path only in a tool about files (move_file(source, destination)); elsewhere a place.
_PATH_ENDS = {"source", "destination", "src", "dest", "target"}
_FILE_OWNERS = {"file", "directory", "folder", "path", "dir"}
_DESC_ID = re.compile(r"\b(identifiers?|ids?|sids?|uuids?|slugs?|logins?|usernames?)\b", re.I)
_DESC_CHOICES = re.compile(r"\b(?:either|always|one of)\b(.{0,120})", re.I)
_DESC_DIGITS = re.compile(r"\b(two|three|four|five|six|\d)-digit\b", re.I)
_DIGIT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_DESC_DATE_TIME = re.compile(r"rfc ?3339|iso ?8601|date-?time|timestamp|yyyy-mm-ddthh", re.I)
_DESC_DATE = re.compile(r"yyyy-mm-dd\b", re.I)
_DESC_EXAMPLES = re.compile(r"\(e\.g\.,?\s*([^)]*)\)", re.I)
_QUOTED = re.compile(r"'([^']{1,40})'|\"([^\"]{1,40})\"|`([^`]{1,40})`")
# Last words of a name whose value is a count (an integer, even in a string or a `number`): per_page, maxResults.
_COUNT_LAST = {"count", "size", "limit", "quantity", "qty", "results", "offset", "page", "top", "segments", "items"}
_AMOUNT_WORDS = {"amount", "price", "cost", "fee", "total", "subtotal", "balance"}
_UNITS = ["cup", "gram", "ounce", "kilogram", "tablespoon", "teaspoon", "liter", "milliliter", "pound", "pint"]
_TIMEZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Australia/Sydney"]
_BRANCHES = ["main", "develop", "release/2.4", "feature/{w}-{v}", "fix/{w}-{v}"]
_EXTENSIONS = ["txt", "md", "json", "py", "csv", "yaml"]


def _desc(schema: Any) -> str:
    return str(schema.get("description") or "") if isinstance(schema, dict) else ""


@lru_cache(maxsize=8192)
def _hint(name: str, desc: str, fmt: str, kind: str, in_path: bool, owner: str) -> str | None:
    tokens = tokens_of(name)
    t = set(tokens)
    last = tokens[-1] if tokens else ""
    low = desc.lower()
    if fmt in ("date-time", "date", "time", "email", "uri", "url", "uuid"):
        return fmt
    if fmt == "phone-number" or "e.164" in low or t & {"phone", "mobile", "telephone"}:
        return "phone"
    if t & {"lat", "latitude"}:
        return "latitude"
    if t & {"lon", "lng", "longitude"}:
        return "longitude"
    if kind in ("number", "integer") and (t & {"tilt", "azimuth", "heading", "bearing", "angle"} or "degree" in low or "direction" in t):
        return "degrees"
    if t & {"humidity", "percent", "percentage", "pct"} or "in percent" in low or "percentage" in low:
        return "percent"
    if kind == "string" and _DESC_DATE_TIME.search(desc) and not t & {"zone", "timezone", "format", "timeformat"}:
        return "date-time"
    if kind == "string" and (_DESC_DATE.search(desc) or last in ("date", "day") and not t & {"format"}):
        return "date"
    if t & {"timezone", "tz"} or (last == "zone" and "time" in t):
        return "timezone"
    if "currency" in t:
        return "currency"
    if last == "unit" or "units" in t:
        return "unit"
    if (t & {"language", "lang", "locale"} and (t & {"code", "iso"} or "iso 639" in low)) or last in ("hl", "lang"):
        return "language_code"
    if "country" in t and (t & {"code", "iso"} or "iso 3166" in low):
        return "country_code"
    if last in ("email", "mail") or "email address" in low:
        return "email"
    if t & {"url", "uri", "link", "href", "callback", "webhook", "website"}:
        return "url"
    if kind == "string" and t & _AMOUNT_WORDS and last not in ("currency", "unit", "name", "type"):
        return "amount"  # Twilio's price "0.0075" is a string
    if last in _PATH_WORDS or t & {"path", "filename", "filepath"} or (last in _PATH_ENDS and owner in _FILE_OWNERS):
        return "path"
    if last in _ID_WORDS or in_path or (last not in ("name", "title", "description", "query", "q", "text", "body") and _DESC_ID.search(desc)):
        return "identifier"
    if last in _COUNT_LAST or (tokens[:1] and tokens[0] in ("max", "num", "per") and len(tokens) > 1) or (last == "number" and kind != "string"):
        return "count"
    return None


def hint_for(name: str, schema: Any, in_path: bool = False, owner: str = "") -> str | None:
    """The kind of value a parameter holds, from its name, description, format and type (None: no hint).

    ``in_path``: the parameter is an OpenAPI path template variable (``{tasklist}``), which names a record;
    ``owner``: the thing the tool acts on (``file`` for ``move_file``: its ``source`` is a path, not a place).
    """
    schema = schema if isinstance(schema, dict) else {}
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else str(kind or "string")
    fmt = str(schema.get("format") or "").lower()
    return _hint(name or "", _desc(schema), fmt, kind, in_path, owner or "")


def is_identifier_kind(hint: str | None) -> bool:
    """Kinds whose values never hold spaces."""
    return hint in ("identifier", "path", "uuid", "email", "url", "uri", "phone", "language_code", "country_code", "currency", "timezone")


def description_examples(schema: Any) -> list[str]:
    """Quoted examples a description gives: ``"(e.g., 'cup', 'gram')"`` -> ``["cup", "gram"]``."""
    out: list[str] = []
    for group in _DESC_EXAMPLES.findall(_desc(schema)):
        out += [next(x for x in m if x) for m in _QUOTED.findall(group)]
    return out


def description_choices(schema: Any) -> list[str]:
    """Values a description names as the only ones: 'This is either "needsAction" or "completed".',
    'This is always "tasks#taskList".' (an enum the spec wrote in prose)."""
    m = _DESC_CHOICES.search(_desc(schema))
    return [next(x for x in q if x) for q in _QUOTED.findall(m.group(1))] if m else []


def digits_wanted(schema: Any) -> int | None:
    """``"Can be any three-digit ... area code"`` -> 3."""
    m = _DESC_DIGITS.search(_desc(schema))
    if not m:
        return None
    word = m.group(1).lower()
    return _DIGIT_WORDS.get(word) or int(word)


def shaped_like(example: str, rng: Random) -> str:
    """A new value with ``example``'s shape: digits stay digits, hex stays hex, letters keep their case.

    ``"2455740283"`` -> ten other digits; ``"6383989636a233ea35d1e566"`` (a hex id) -> another hex id.
    """
    hexy = all(ch in string.hexdigits for ch in example) and any(ch.isalpha() for ch in example)
    out = []
    for ch in example:
        if ch.isdigit() or (hexy and ch in string.hexdigits):
            out.append(rng.choice("0123456789abcdef" if hexy else string.digits))
        elif ch.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif ch.islower():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(ch)
    if out and out[0] == "0" and example[:1] != "0":
        out[0] = "1"
    return "".join(out)


def _slug(rng: Random) -> str:
    return f"{rng.choice(V.WORDS)}-{rng.choice(V.WORDS)}".lower()


def _login(rng: Random) -> str:
    first, last = rng.choice(V.FIRST_NAMES).lower(), rng.choice(V.LAST_NAMES).lower()
    return rng.choice([f"{first}{last}", f"{first}-{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}"])


def identifier_value(name: str, rng: Random) -> str:
    """An identifier in the shape its name asks for: a login, a repo slug, a branch, a tag, a SID, an id."""
    t = set(tokens_of(name))
    last = tokens_of(name)[-1] if tokens_of(name) else ""
    if t & {"owner", "login", "username", "handle", "org", "organization", "author", "assignee"} or last == "user":
        return _login(rng)
    if t & {"repo", "repository", "slug", "project"}:
        return _slug(rng)
    if "branch" in t:
        return rng.choice(_BRANCHES).format(w=rng.choice(V.WORDS).lower(), v=rng.choice(V.WORDS).lower())
    if "tag" in t or "version" in t:
        return f"v{rng.randint(0, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
    if t & {"sha", "commit", "hash"}:
        return "".join(rng.choices("0123456789abcdef", k=40))
    if last == "ref":
        return rng.choice(["main", f"v{rng.randint(1, 4)}.{rng.randint(0, 9)}.0", "".join(rng.choices("0123456789abcdef", k=7))])
    if "sid" in t:
        return "SM" + "".join(rng.choices("0123456789abcdef", k=32))
    if t & {"cursor", "token"}:
        return "".join(rng.choices(string.ascii_letters + string.digits, k=16))
    stem = "".join(ch for ch in "".join(x for x in tokens_of(name) if x not in ("id", "ids", "uuid", "is", "key")).upper() if ch.isalpha())[:3]
    return f"{stem or 'ID'}-{rng.randint(10000, 99999)}"


def path_value(name: str, rng: Random, owner: str = "", absolute: bool = True) -> str:
    """A file system path: ``/data/harbor/notes-12.txt``; a folder (``directory``, ``folder``) has no extension."""
    t = set(tokens_of(name)) | {owner}
    folder = f"{rng.choice(V.WORDS).lower()}"
    root = "/data/" if absolute else "src/"
    if t & {"dir", "directory", "folder"}:
        return f"{root}{folder}"
    return f"{root}{folder}/{rng.choice(V.WORDS).lower()}-{rng.randint(1, 99)}.{rng.choice(_EXTENSIONS)}"


def hinted_string(hint: str, name: str, schema: Any, rng: Random, owner: str = "", in_path: bool = False) -> str | None:
    """A string value of kind ``hint`` (None: the kind has no string form here; use the caller's own rules).

    A path in a URL template (GitHub's ``contents/{path}``) is relative; a file system tool's is absolute."""
    if hint == "identifier":
        return identifier_value(name, rng)
    if hint == "path":
        return path_value(name, rng, owner, absolute=not in_path)
    if hint == "phone":
        return f"+1{rng.choice(['415', '212', '646', '312', '206'])}555{rng.randint(1000, 9999):04d}"  # E.164
    if hint == "latitude":
        return f"{rng.uniform(-60, 70):.4f}"
    if hint == "longitude":
        return f"{rng.uniform(-180, 180):.4f}"
    if hint == "timezone":
        return rng.choice(_TIMEZONES)
    if hint == "currency":
        code = rng.choice(V.CURRENCIES)
        return code.lower() if "lowercase" in _desc(schema).lower() else code
    if hint == "unit":
        return rng.choice(description_examples(schema) or _UNITS)
    if hint == "language_code":
        return rng.choice(V.LANGUAGE_CODES)
    if hint == "country_code":
        return rng.choice(V.COUNTRY_CODES)
    if hint == "count":
        return str(rng.randint(1, 50))
    if hint == "amount":
        return f"{rng.uniform(1, 200):.2f}"
    return None


def hinted_range(hint: str | None, name: str) -> tuple[float, float, int] | None:
    """A realistic (low, high, decimals) for a numeric parameter of kind ``hint`` (None: no rule here)."""
    t = set(tokens_of(name))
    if hint == "latitude":
        return -60.0, 70.0, 4
    if hint == "longitude":
        return -180.0, 180.0, 4
    if hint == "degrees":
        if "tilt" in t:
            return 0, 90, 1
        if "azimuth" in t:
            return -180, 180, 1
        return 0, 359, 0
    if hint == "percent":
        return 0, 100, 0
    if hint == "identifier":
        return 1, 99999, 0
    return None


INTEGER_HINTS = frozenset({"identifier", "count"})
"""Kinds whose numbers are whole even when the schema says ``number`` (an id of 419.53 means nothing)."""

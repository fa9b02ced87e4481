"""What a property's name says about its value: realistic strings, numbers and ids for a name.

``string_kind(tokens)`` reads a property name (split by :func:`tokens_of`) as
the kind of string it holds (``email``, ``city``, ``flight_number``...) and
:func:`named_string` makes one; ``named_range`` is the realistic range of a
numeric name (``stops`` 0-2, ``nights`` 1-14, ``price`` 5-500). The words come
from the one vocabulary (:mod:`inftool_jax.world.vocabulary`), so simulated
results and the user's planned values draw from the same pools. The schema
walk that calls these is :mod:`inftool_jax.world.value_gen`.
"""

from __future__ import annotations

import datetime as _dt
import re
import string
import uuid
from functools import lru_cache
from random import Random

from inftool_jax.world import vocabulary as V

# Nouns whose bare "name" field names the thing itself ("Harbor Hotel"), not a person.
THINGS = {
    "hotel", "restaurant", "product", "project", "channel", "category", "budget", "calendar", "playlist", "team",
    "store", "shop", "venue", "event", "room", "workspace", "folder", "board", "list", "group", "course", "place",
    "airport", "station", "company", "brand", "item", "plan", "subcategory",
}
_ID_ALPHABET = string.ascii_uppercase + string.digits
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def tokens_of(name: str) -> tuple[str, ...]:
    """Like :func:`name_tokens`, as a cached tuple."""
    return _tokens(name or "")


def name_tokens(name: str) -> list[str]:
    """``"departureDate"``, ``"departure_date"`` and ``"departure-date"`` -> ``["departure", "date"]``."""
    return list(_tokens(name or ""))


@lru_cache(maxsize=8192)
def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN_SPLIT.split(name) if t)


def mint_id(prefix: str, rng: Random, length: int = 5) -> str:
    """An id like ``ord_7F3K2``: the prefix and ``length`` characters from ``rng``."""
    return f"{prefix}_{''.join(rng.choices(_ID_ALPHABET, k=length))}"



def singular(name: str) -> str:
    """``flights`` -> ``flight``, ``categories`` -> ``category`` (the item name of a list property)."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name



_EPOCH = _dt.date(2024, 1, 1)


def format_value(fmt: str, rng: Random) -> str | None:
    fmt = fmt.lower()
    if fmt == "date":
        return (_EPOCH + _dt.timedelta(days=rng.randrange(0, 900))).isoformat()
    if fmt == "date-time":
        day = _EPOCH + _dt.timedelta(days=rng.randrange(0, 900))
        return f"{day.isoformat()}T{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if fmt == "time":
        return f"{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if fmt in ("email", "idn-email"):
        return _email(rng)
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference"):
        return f"https://www.example.com/{rng.choice(V.WORDS)}/{rng.randrange(1, 999)}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "ipv4":
        return f"192.0.2.{rng.randrange(1, 255)}"
    if fmt == "ipv6":
        return f"2001:db8::{rng.randrange(1, 0xFFFF):x}"
    if fmt in ("hostname", "idn-hostname"):
        return f"{rng.choice(V.WORDS)}.example.com"
    if fmt == "date-time-rfc-2822":  # Twilio's dates: "Thu, 30 Jul 2015 20:12:31 +0000"
        day = _EPOCH + _dt.timedelta(days=rng.randrange(0, 900))
        return f"{day.strftime('%a, %d %b %Y')} {rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00 +0000"
    if fmt == "phone-number":  # E.164, as Twilio's `phone-number` format means
        return f"+1{rng.choice(('415', '212', '646', '312'))}555{rng.randrange(1000, 9999):04d}"
    if fmt == "duration":
        return f"P{rng.randrange(1, 30)}D"
    if fmt == "byte":
        return "aGVsbG8gd29ybGQ="
    if fmt == "password":
        return "S3cret-" + "".join(rng.choice(_ID_ALPHABET) for _ in range(6))
    return None


def _email(rng: Random) -> str:
    return f"{rng.choice(V.FIRST_NAMES).lower()}.{rng.choice(V.LAST_NAMES).lower()}@example.com"


def named_string(tokens: tuple[str, ...], rng: Random) -> str:
    return _STRING_MAKERS[string_kind(tokens)](tokens, rng)


@lru_cache(maxsize=4096)
def string_kind(tokens: tuple[str, ...]) -> str:
    """Which kind of realistic string a property name asks for (cached: names repeat a lot)."""
    t = set(tokens)
    last = tokens[-1] if tokens else ""
    if "email" in t or "mail" in t:
        return "email"
    if t & {"url", "uri", "link", "website", "homepage", "href"}:
        return "url"
    if last in ("at", "timestamp", "datetime") or ("date" in t and "time" in t):
        return "date-time"
    if t & {"date", "day", "birthday", "dob"}:
        return "date"
    if last == "time":
        return "clock"
    if last == "number" and t & {"flight"}:
        return "flight_number"
    if t & {"airline", "carrier"}:
        return "airline"
    if t & {"confirmation", "locator", "pnr"}:
        return "locator"
    if last in ("id", "uuid", "ref", "reference") or (last == "number" and t & {"order", "booking", "tracking", "account", "invoice"}):
        return "id"
    if t & {"phone", "mobile", "tel", "telephone"}:
        return "phone"
    if t & {"city", "town", "destination", "origin", "location", "place"}:
        return "city"
    if "country" in t:
        return "country"
    if "currency" in t:
        return "currency"
    if t & {"language", "lang", "locale"}:
        return "language"
    if t & {"company", "organization", "organisation", "employer", "vendor", "merchant"}:
        return "company"
    if t & {"address", "street"}:
        return "address"
    if t & {"zip", "postal", "postcode", "zipcode"}:
        return "zip"
    if t & {"status", "state"}:
        return "status"
    if t & {"color", "colour"}:
        return "color"
    if t & {"username", "login", "handle"}:
        return "username"
    if last == "name" and t & {"first", "given"}:
        return "first_name"
    if last == "name" and t & {"last", "family", "sur"}:
        return "last_name"
    if last == "name" and (len(t) == 1 or t & {"full", "user", "customer", "person", "contact", "guest", "passenger", "owner", "recipient", "sender", "author", "employee", "patient"}):
        return "full_name"
    if last == "name" and len(tokens) == 2 and tokens[0] in THINGS:
        return "thing_name"
    if t & {"title", "subject", "summary", "description", "message", "body", "text", "content", "note", "notes", "comment", "query", "q", "keyword", "keywords", "reason"}:
        return "phrase"
    if t & {"symbol", "ticker"}:
        return "ticker"
    if "code" in t:
        return "code"
    return "word"


_STRING_MAKERS = {
    "email": lambda tokens, rng: _email(rng),
    "url": lambda tokens, rng: f"https://www.example.com/{rng.choice(V.WORDS)}",
    "date-time": lambda tokens, rng: format_value("date-time", rng),
    "date": lambda tokens, rng: format_value("date", rng),
    "clock": lambda tokens, rng: f"{rng.randrange(7, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}",
    "id": lambda tokens, rng: mint_id((tokens[0] if len(tokens) > 1 else "obj")[:3], rng),
    "phone": lambda tokens, rng: f"+1-555-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
    "city": lambda tokens, rng: rng.choice(V.CITIES),
    "country": lambda tokens, rng: rng.choice(V.COUNTRIES),
    "currency": lambda tokens, rng: rng.choice(V.CURRENCIES),
    "language": lambda tokens, rng: rng.choice(V.LANGUAGE_CODES),
    "company": lambda tokens, rng: rng.choice(V.COMPANIES),
    "address": lambda tokens, rng: f"{rng.randrange(1, 400)} {rng.choice(V.STREETS)}",
    "zip": lambda tokens, rng: f"{rng.randrange(10000, 99999)}",
    "status": lambda tokens, rng: rng.choice(V.STATUSES),
    "color": lambda tokens, rng: rng.choice(V.COLORS),
    "username": lambda tokens, rng: f"{rng.choice(V.FIRST_NAMES).lower()}{rng.randrange(1, 99)}",
    "first_name": lambda tokens, rng: rng.choice(V.FIRST_NAMES),
    "last_name": lambda tokens, rng: rng.choice(V.LAST_NAMES),
    "full_name": lambda tokens, rng: f"{rng.choice(V.FIRST_NAMES)} {rng.choice(V.LAST_NAMES)}",
    "thing_name": lambda tokens, rng: f"{rng.choice(V.WORDS).title()} {tokens[0].title()}",
    "flight_number": lambda tokens, rng: f"{rng.choice(V.AIRLINE_CODES)}{rng.randrange(100, 9999)}",
    "airline": lambda tokens, rng: rng.choice(V.AIRLINES),
    "locator": lambda tokens, rng: "".join(rng.choices(_ID_ALPHABET, k=6)),
    "phrase": lambda tokens, rng: rng.choice(V.PHRASES),
    "ticker": lambda tokens, rng: rng.choice(V.TICKERS),
    "code": lambda tokens, rng: "".join(rng.choices(string.ascii_uppercase, k=3)),
    "word": lambda tokens, rng: f"{rng.choice(V.WORDS)}-{rng.randrange(1, 100)}",
}


@lru_cache(maxsize=4096)
def named_range(tokens: tuple[str, ...], integer: bool) -> tuple[float, float, int]:
    """A realistic (low, high, decimals) for a numeric property name."""
    t = set(tokens)
    if "year" in t:
        return 2020, 2026, 0
    if "age" in t:
        return 18, 80, 0
    if t & {"lat", "latitude"}:
        return -90, 90, 4
    if t & {"lon", "lng", "longitude"}:
        return -180, 180, 4
    if t & {"price", "amount", "cost", "total", "balance", "fee", "salary", "budget", "payment", "subtotal"}:
        return (5, 500, 0) if integer else (5.0, 500.0, 2)
    if t & {"rating", "stars", "score"}:
        return 1, 5, 1
    if t & {"percent", "percentage", "pct", "probability"}:
        return 0, 100, 1
    if t & {"temperature", "temp"}:
        return -10, 35, 1
    if t & {"page"}:
        return 1, 5, 0
    # Small counts of real-world things: a flight with 40 stops reads as noise.
    if t & {"stops", "stopovers", "layovers", "connections"}:
        return 0, 2, 0
    if t & {"bags", "luggage", "children", "kids", "infants"}:
        return 0, 3, 0
    if t & {"guests", "passengers", "adults", "travellers", "travelers", "people", "persons", "rooms", "tickets"}:
        return 1, 4, 0
    if t & {"nights", "days"}:
        return 1, 14, 0
    if t & {"minutes", "mins"} or "duration" in t:
        return 15, 120, 0
    if t & {"hours"}:
        return 1, 12, 0
    if t & {"calories", "kcal"}:
        return 150, 900, 0
    if "heart" in t or "bpm" in t:
        return 60, 170, 0
    if t & {"distance", "km", "miles"}:
        return (1, 42, 0) if integer else (1.0, 42.0, 1)
    if t & {"count", "quantity", "qty", "num", "number", "limit", "size", "seats", "items", "stock", "members", "attendees"}:
        return 1, 10, 0
    return (0, 100, 0) if integer else (0.0, 1000.0, 2)


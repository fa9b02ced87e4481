"""Generate a string matching a JSON Schema ``pattern`` (a regular expression).

Walks the parse tree of Python's own regex parser, so only the regex is read:
nothing is compiled into code or executed. Supports literals, classes,
categories (\\d \\w \\s), ``.``, groups, alternation, back-references and
bounded or unbounded repeats (unbounded ones stop at min + 3). Look-arounds are
skipped; callers must check the result with ``re.search`` and fall back.
"""

from __future__ import annotations

import random
import string

try:  # Python >= 3.11 keeps the parser here; older ones as sre_parse.
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_PRINTABLE = string.ascii_letters + string.digits + "-_ ."
_CATEGORY_CHARS = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_DIGIT: string.ascii_letters + "-_",
    _c.CATEGORY_NOT_WORD: "-. ",
    _c.CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_UNBOUNDED_EXTRA = 3


class PatternError(ValueError):
    """The pattern cannot be parsed or uses a construct this generator does not support."""


def generate_from_pattern(pattern: str, rng: random.Random) -> str:
    """A string produced by walking ``pattern``; usually matches it (check with ``re.search``)."""
    try:
        tree = _p.parse(pattern)
    except Exception as err:  # re.error and friends: the spec's regex is broken
        raise PatternError(f"cannot parse pattern {pattern!r}: {err}") from err
    out: list[str] = []
    _emit(tree, rng, out, {})
    return "".join(out)


def _class_chars(items, rng: random.Random) -> str:
    negate = False
    allowed: list[str] = []
    for op, arg in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            allowed.append(chr(arg))
        elif op is _c.RANGE:
            lo, hi = arg
            # Bound huge ranges (e.g. unicode) to keep the pool small.
            allowed.extend(chr(c) for c in range(lo, min(hi, lo + 200) + 1))
        elif op is _c.CATEGORY:
            allowed.extend(_CATEGORY_CHARS.get(arg, ""))
        else:
            raise PatternError(f"unsupported class item {op}")
    if negate:
        banned = set(allowed)
        pool = [ch for ch in _PRINTABLE if ch not in banned]
        if not pool:
            raise PatternError("negated class excludes every printable character")
        return rng.choice(pool)
    if not allowed:
        raise PatternError("empty character class")
    return rng.choice(allowed)


def _emit(tree, rng: random.Random, out: list[str], groups: dict[int, str]) -> None:
    for op, arg in tree:
        if op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.NOT_LITERAL:
            out.append(rng.choice([ch for ch in _PRINTABLE if ord(ch) != arg]))
        elif op is _c.ANY:
            out.append(rng.choice(string.ascii_letters + string.digits))
        elif op is _c.IN:
            out.append(_class_chars(arg, rng))
        elif op is _c.CATEGORY:
            out.append(rng.choice(_CATEGORY_CHARS.get(arg, "a")))
        elif op is _c.BRANCH:
            _emit(rng.choice(arg[1]), rng, out, groups)
        elif op is _c.SUBPATTERN:
            group, _add, _del, sub = arg
            start = len(out)
            _emit(sub, rng, out, groups)
            if group is not None:
                groups[group] = "".join(out[start:])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = arg
            if hi is _c.MAXREPEAT or hi > lo + _UNBOUNDED_EXTRA:
                hi = lo + _UNBOUNDED_EXTRA
            for _ in range(rng.randint(lo, hi)):
                _emit(sub, rng, out, groups)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            _emit(arg, rng, out, groups)
        elif op is _c.GROUPREF:
            out.append(groups.get(arg, ""))
        elif op is _c.AT:
            continue  # anchors add no characters
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            continue  # look-arounds: the caller's re.search check decides
        else:
            raise PatternError(f"unsupported regex construct {op}")

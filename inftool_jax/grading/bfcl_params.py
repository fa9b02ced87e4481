"""BFCL's per-parameter checks: string standardisation, type resolution and the value checkers.

One :class:`ParamCheck` per ground-truth parameter, prepared once per entry and
then applied to every answer's value: BFCL's ``type_checker`` (one level of
nested item types, "variable" parameters whose options have another type than
the doc), its string, list, dict and list-of-dict checkers, and plain option
membership for everything else. :mod:`inftool_jax.grading.bfcl_checker` puts
these together per call and per entry (see its docstring for the semantics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from inftool_jax.calls.bfcl_types import CHECKED_TYPES

TYPE_MAP: dict[str, type] = CHECKED_TYPES
"""Type name -> the Python type a value of it must be: BFCL's names (``tuple`` compared as a list, ``any`` as a string) and JSON Schema's."""
_NESTED = ("array", "tuple")

# str.translate is several times faster than BFCL's re.sub and deletes the same characters.
_STD_DROP = str.maketrans("", "", " ,./-_*^")


def standardize_string(text: str) -> str:
    """BFCL's string standardisation: drop `` ,./-_*^``, lowercase, ``'`` -> ``"``."""
    return text.translate(_STD_DROP).lower().replace("'", '"')


def _std(x: Any) -> Any:
    return standardize_string(x) if type(x) is str else x


@dataclass(frozen=True)
class Verdict:
    """The checker's answer for one model output."""

    valid: bool
    error_type: str | None = None
    errors: list[str] = field(default_factory=list)


OK_VERDICT = Verdict(True)


def fail(error_type: str, message: str) -> Verdict:
    """An invalid verdict with BFCL's error type and one message."""
    return Verdict(False, error_type, [message])


class Crash(Exception):
    """The official checker would raise here; we answer 'invalid' instead."""


class _DictOption:
    """One acceptable dict value: its keys and standardised options per key."""

    __slots__ = ("keys", "std", "required")

    def __init__(self, option: dict):
        self.keys = option
        self.std = {}
        self.required = []
        for key, opts in option.items():
            try:
                self.std[key] = [_std(o) for o in opts]
            except TypeError:  # not iterable: the official checker would crash
                self.std[key] = None
            try:
                if "" not in opts:
                    self.required.append(key)
            except TypeError:
                self.required.append(key)


def _dict_check(value: Any, options: list) -> tuple[str | None, str]:
    """BFCL's dict_checker over prepared options -> (error_type or None, message)."""
    if type(value) is not dict:
        return "dict_checker:unclear", "value is not a dict"
    error = ("dict_checker:unclear", "no acceptable dict")
    for opt in options:
        if opt is None:  # the "" option is skipped, as BFCL does
            continue
        if not isinstance(opt, _DictOption):
            error = ("dict_checker:unclear", "malformed ground truth")
            continue
        error = None
        for key, val in value.items():
            if key not in opt.keys:
                error = ("value_error:dict_key", f"Unexpected dict key parameter: {key!r}.")
                break
            std = opt.std[key]
            if std is None or _std(val) not in std:
                error = ("value_error:dict_value", f"Invalid value for parameter {key!r}: {val!r}.")
                break
        for key in opt.required:
            if key not in value:
                # BFCL runs this loop even after a value error; the key error wins.
                error = ("value_error:dict_key", f"Missing dict key parameter: {key!r}.")
                break
        if error is None:
            return None, ""
    return error


def _prep_dict_options(options: list) -> list:
    out = []
    for opt in options:
        if opt == "":
            out.append(None)
        elif type(opt) is dict:
            out.append(_DictOption(opt))
        else:
            out.append(opt)
    return out


def _first_type(options: Iterable) -> type | None:
    for o in options:
        if o != "":
            return type(o)
    return None


def _resolve_type(schema: dict) -> tuple[str | None, type | None]:
    t = schema.get("type") if type(schema) is dict else None
    if type(t) is str:
        py = TYPE_MAP.get(t)
        return (t, py) if py is not None else (None, None)
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if isinstance(t, str) and t in TYPE_MAP:
        return t, TYPE_MAP[t]
    return None, None


class ParamCheck:
    """Everything needed to check one parameter's value, computed once."""

    __slots__ = (
        "name", "options", "optional", "type_desc", "py_type", "nested", "pa_type",
        "is_variable", "option_set", "std_strings", "std_lists", "nested_opts",
        "dict_opts", "list_dict_opts", "_prepared",
    )

    def __init__(self, name: str, schema: dict, options: list):
        self.name = name
        if not isinstance(options, list):
            options = [options]
        self.options = options
        self.optional = "" in options
        self.type_desc, self.py_type = _resolve_type(schema)
        self.nested = None
        if self.type_desc in _NESTED:
            items = schema.get("items")
            _, self.nested = _resolve_type(items) if isinstance(items, dict) else (None, None)
        self.pa_type = _first_type(options)
        self.is_variable = self.pa_type is not None and self.py_type is not None and self.pa_type is not self.py_type
        # per option: (is a list, the list, its item type) for BFCL's one-level nested type check
        self.nested_opts = [(type(o) is list, o, _first_type(o) if type(o) is list else None) for o in options] if self.nested is not None else []
        self._prepared = False
        self.option_set = None

    def _prepare_values(self) -> None:
        # Value-side preparation is done on first use, and only what this
        # parameter's type needs: an entry checked once (a BFCL run) should
        # not pay for options no answer reaches.
        options = self.options
        py_type = self.py_type
        self.std_strings = self.std_lists = self.dict_opts = self.list_dict_opts = None
        if py_type is str or py_type is None:
            self.std_strings = frozenset(standardize_string(o) for o in options if type(o) is str)
        elif py_type is dict:
            self.dict_opts = _prep_dict_options(options)
        elif py_type is list and self.nested is dict:
            self.list_dict_opts = []
            for o in options:
                if type(o) is list:
                    self.list_dict_opts.append(_prep_dict_options(o))
                elif type(o) is str:
                    self.list_dict_opts.append([None] * len(o))
                else:
                    self.list_dict_opts.append(Crash)
        elif py_type is list:
            self.std_lists = []
            for o in options:
                if type(o) in (list, str):  # a str option is iterated char by char, as BFCL does
                    self.std_lists.append([_std(x) for x in o])
                else:
                    self.std_lists.append(Crash)  # BFCL calls len() on it and crashes
        self._prepared = True

    def _option_set(self) -> frozenset | None:
        if self.option_set is None:
            try:
                self.option_set = frozenset(self.options)
            except TypeError:
                self.option_set = False
        return self.option_set or None

    # BFCL's type_checker -> (error_type or None, is_variable)
    def _type_check(self, value: Any) -> tuple[str | None, bool]:
        vt = type(value)
        nested_failed = False
        if vt is self.py_type:
            if self.nested is None:
                return None, self.is_variable
            for is_list, items, item_type in self.nested_opts:
                if not is_list:
                    return None, self.is_variable  # BFCL: a non-list option passes the nested check
                nested = self.nested
                if all(type(v) is nested or (item_type is not None and type(v) is item_type) for v in value):
                    return None, self.is_variable
            nested_failed = True
        if self.pa_type is not None and vt is self.pa_type:
            return ("type_error:nested", True) if nested_failed else (None, True)
        return "type_error:simple", False

    def check(self, value: Any) -> Verdict | None:
        """None when the value is acceptable, else the failing Verdict."""
        if self.py_type is None:
            return self._check_untyped(value)
        if self.type_desc == "tuple" and type(value) is tuple:
            value = list(value)
        elif self.type_desc in ("float", "number") and type(value) is int:
            value = float(value)
        error, is_variable = self._type_check(value)
        if error is not None:
            kind = "Nested type checking failed" if error == "type_error:nested" else "Incorrect type"
            return fail(error, f"{kind} for parameter {self.name!r}. Expected type {self.type_desc}, got {type(value).__name__}. Parameter value: {value!r}.")
        if not is_variable:
            if not self._prepared:
                self._prepare_values()
            py_type = self.py_type
            if py_type is dict:
                err, msg = _dict_check(value, self.dict_opts)
                return None if err is None else fail(err, msg)
            if py_type is list and self.nested is dict:
                return self._list_dict_check(value)
            if py_type is str:
                if standardize_string(value) in self.std_strings:
                    return None
                return fail("value_error:string", f"Invalid value for parameter {self.name!r}: {value!r}. Expected one of {self.options}. Case insensitive.")
            if py_type is list:
                if Crash in self.std_lists:  # BFCL standardises every option first and crashes
                    return fail("list_checker:unclear", "malformed ground truth")
                std_value = [_std(x) for x in value]
                if std_value in self.std_lists:
                    return None
                return fail("value_error:list/tuple", f"Invalid value for parameter {self.name!r}: {value!r}. Expected one of {self.options}.")
        return self._in_options(value)

    def _in_options(self, value: Any) -> Verdict | None:
        option_set = self._option_set()
        if option_set is not None:
            try:
                hit = value in option_set
            except TypeError:  # unhashable value: compare one by one, as `in list` does
                hit = value in self.options
        else:
            hit = value in self.options
        if hit:
            return None
        return fail("value_error:others", f"Invalid value for parameter {self.name!r}: {value!r}. Expected one of {self.options}.")

    def _check_untyped(self, value: Any) -> Verdict | None:
        # No usable type in the doc (JSON Schema without "type"): compare values only.
        if not self._prepared:
            self._prepare_values()
        if type(value) is str and standardize_string(value) in self.std_strings:
            return None
        return self._in_options(value)

    def _list_dict_check(self, value: list) -> Verdict | None:
        error = ("list_dict_checker:unclear", "no acceptable list of dicts")
        for opts in self.list_dict_opts:
            if opts is Crash:
                return fail("list_dict_checker:unclear", "malformed ground truth")
            if len(value) != len(opts):
                error = ("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
                continue
            ok = True
            for item, opt in zip(value, opts):
                err, msg = _dict_check(item, [opt])
                if err is not None:
                    error = (err, msg)
                    ok = False
                    break
            if ok:
                return None
        return fail(*error)

"""Run multi-turn calls against BFCL's official backend classes, by name, never by ``eval``.

BFCL's executor (``multi_turn_utils.execute_multi_turn_func_call``) builds
each backend class of an entry (GorillaFileSystem, MathAPI, MessageAPI,
TwitterAPI, TicketAPI, TradingBot, TravelAPI, VehicleControlAPI) from the
installed ``bfcl_eval`` package, loads its scenario from the entry's
``initial_config`` (MathAPI is stateless), maps every public method name to
its instance (a later class wins a shared name), and then ``eval``s each call
string. This module keeps the same instances and the same result texts, but
dispatches each decoded call by name to a public bound method with its parsed
arguments:

- a name that is no public method (or a dotted name) gets the text BFCL's
  ``eval`` produces: ``Error during execution: name 'x' is not defined``;
  names on BFCL's block list (``kill``, ``exit``, ...) get its refusal text;
- an exception from the method becomes ``Error during execution: <message>``
  (a bad keyword gives Python's own ``TypeError`` text, as under ``eval``);
- a result is kept if it is a ``str``, ``json.dumps``-ed if it is a dict
  (``str`` if that fails), else ``str``-ed.

BFCL turns decoded calls back into text before ``eval`` (``parse_nested_value``):
a dict argument whose values are all dicts is written as a nested call and so
executed first, and an empty dict argument makes the whole step undecodable.
:func:`prepare_calls` reproduces both, without running text. Where BFCL's
``eval`` would reach a Python builtin or a module global instead of a backend
method (``len(...)``, ``json.dumps(...)``), this executor reports the name as
undefined: the one deliberate difference.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from inftool_jax.calls.call import Call
from inftool_jax.errors import InputError

BACKEND_PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
BACKEND_MODULES = {
    "GorillaFileSystem": "gorilla_file_system",
    "MathAPI": "math_api",
    "MessageAPI": "message_api",
    "TwitterAPI": "posting_api",
    "TicketAPI": "ticket_api",
    "TradingBot": "trading_bot",
    "TravelAPI": "travel_booking",
    "VehicleControlAPI": "vehicle_control",
}
STATELESS = frozenset({"MathAPI"})
# Names BFCL's executor refuses before evaluating (multi_turn_utils.py).
BLOCKED = frozenset({"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"})
ERROR_PREFIX = "Error during execution: "


class Undecodable(ValueError):
    """A step BFCL's decode_execute would fail on (e.g. an empty dict argument)."""


@dataclass(frozen=True)
class ExecCall:
    """One call to execute: name, positional and keyword arguments (values may hold nested ExecCalls)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def _exec_value(value: Any) -> Any:
    # parse_nested_value: dicts are re-rendered (all-dict values -> a nested call), everything else is repr()-ed
    if type(value) is dict:
        if not value:
            raise Undecodable("empty dict argument (BFCL's decoder fails on it)")
        if all(isinstance(v, dict) for v in value.values()):
            name = next(iter(value))
            return ExecCall(str(name), (), {str(k): _exec_value(v) for k, v in value[name].items()})
        return {str(k): _exec_value(v) for k, v in value.items()}
    return value


def prepare_calls(calls: list[Call]) -> list[ExecCall]:
    """Decoded calls as BFCL would execute them; Undecodable when BFCL's decode_execute fails."""
    return [ExecCall(c.name, (), {str(k): _exec_value(v) for k, v in c.arguments.items()}) for c in calls]


def parse_ground_truth_call(text: str, source: str = "<ground truth>") -> ExecCall:
    """A ground-truth call string such as ``mv(source='a', destination='b')`` or ``sort('f.pdf')``.

    Arguments must be Python literals (``ast.literal_eval`` of each argument node): the ground
    truth is data, and it is read without running it.
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            raise ValueError("not a plain function call")
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    except (SyntaxError, ValueError, TypeError) as err:
        raise InputError(source, "", f"ground-truth call {text!r} cannot be read: {err}") from None
    return ExecCall(node.func.id, args, kwargs)


def _result_text(result: Any) -> str:
    if type(result) is str:
        return result
    if type(result) is dict:
        try:
            return json.dumps(result)
        except (TypeError, ValueError):
            return str(result)
    return str(result)


class BackendWorld:
    """The backend instances of one entry, built and loaded as BFCL builds them."""

    def __init__(self, involved_classes: list[str], initial_config: dict, long_context: bool = False, source: str = "<entry>"):
        self.instances: dict[str, Any] = {}
        self.methods: dict[str, Any] = {}
        for cls in involved_classes:
            module_name = BACKEND_MODULES.get(cls)
            if module_name is None:
                raise InputError(source, "/involved_classes", f"unknown BFCL backend class {cls!r}")
            try:
                module = importlib.import_module(f"{BACKEND_PACKAGE}.{module_name}")
            except ImportError as err:
                raise InputError(source, "/involved_classes", f"cannot import BFCL backend {cls} ({err}); install bfcl-eval") from None
            instance = getattr(module, cls)()
            if cls not in STATELESS:
                # Loading the scenario is the backend's own set-up step, called exactly as BFCL calls it.
                instance._load_scenario(copy.deepcopy(initial_config.get(cls, {})), long_context=long_context)
            self.instances[cls] = instance
            for name, method in inspect.getmembers(instance, predicate=inspect.ismethod):
                if not name.startswith("_"):
                    self.methods[name] = method

    def _blocked_name(self, name: str) -> str:
        # BFCL checks the text before "(" after prefixing known method names with their instance;
        # for a dotted name it looks at the second component of that text.
        if "." not in name:
            return name
        parts = name.split(".")
        if parts[-1] in self.methods:
            parts = parts[:-1] + ["<instance>", parts[-1]]
        return parts[1]

    def _invoke(self, call: ExecCall) -> Any:
        method = self.methods.get(call.name) if "." not in call.name else None
        if method is None:
            raise NameError(f"name '{call.name.split('.')[0]}' is not defined")
        args = tuple(self._resolve(a) for a in call.args)
        kwargs = {k: self._resolve(v) for k, v in call.kwargs.items()}
        return method(*args, **kwargs)

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, ExecCall):
            return self._invoke(value)
        if type(value) is dict:
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    def execute(self, calls: list[ExecCall]) -> list[str]:
        """One result text per call, in order (errors included, as BFCL reports them)."""
        out = []
        for call in calls:
            blocked = self._blocked_name(call.name)
            if blocked in BLOCKED:
                out.append(f"{ERROR_PREFIX}Function call {blocked} is not allowed.")
                continue
            try:
                out.append(_result_text(self._invoke(call)))
            except Exception as err:  # BFCL reports every exception of a call as its result text
                out.append(f"{ERROR_PREFIX}{err}")
        return out

    def differences(self, other: "BackendWorld") -> dict[str, dict]:
        """Per class, the public attributes (of ``other``, the reference) whose values differ; empty when equal."""
        out: dict[str, dict] = {}
        for cls, reference in other.instances.items():
            mine = self.instances[cls]
            diff = {}
            for attr in vars(reference):
                if attr.startswith("_"):
                    continue
                a, b = getattr(mine, attr), getattr(reference, attr)
                if a != b:
                    diff[attr] = {"model": a, "ground_truth": b}
            if diff:
                out[cls] = diff
        return out

"""The `plausible` gate's judge, on the values issue 13 measured on real specs (GitHub, Google Tasks,
Open-Meteo, Stripe parameters as their OpenAPI documents describe them)."""

import random

import pytest

from inftool_jax.world.plausibility import implausible_arguments, problem
from inftool_jax.world.value_hints import description_choices, hint_for, shaped_like

OWNER = {"type": "string", "description": "The account owner of the repository. The name is not case sensitive."}
ISSUE = {"type": "integer", "description": "The number that identifies the issue."}
COMPLETED_MAX = {"type": "string", "description": "Upper bound for a task's completion date (as a RFC 3339 timestamp) to filter by."}
LATITUDE = {"type": "number", "description": "WGS84 coordinate"}
TILT = {"type": "number", "description": "The tilt of the solar panel in degrees. 0° horizontal, 90° vertical."}
AMOUNT = {"type": "integer", "description": "The amount to capture from the PaymentIntent."}


@pytest.mark.parametrize("name, schema, value, why", [
    ("owner", OWNER, "Maya Fischer", "identifier with spaces"),
    ("repo", {"type": "string"}, "orchid lumen", "identifier with spaces"),
    ("path", {"type": "string"}, "summit summit", "path with spaces"),
    ("item_id", {"type": "number"}, 419.53, "fractional id"),
    ("issue_number", {"type": "number"}, 4.0, "fractional count"),
    ("completedMax", COMPLETED_MAX, "alpha pioneer", "unparseable date-time"),
    ("latitude", {"type": "string"}, "orchid tundra", "latitude not a number"),
    ("latitude", LATITUDE, 181.5, "latitude out of range"),
    ("tilt", TILT, 581.96, "degrees out of range"),
    ("humidity", {"type": "number"}, 864, "percent out of range"),
    ("amount_to_capture", AMOUNT, -25, "amount out of range"),
])
def test_the_issue_s_implausible_values_are_named(name, schema, value, why):
    assert problem(name, schema, value) == why


@pytest.mark.parametrize("name, schema, value", [
    ("owner", OWNER, "octocat"), ("issue_number", ISSUE, 1347), ("completedMax", COMPLETED_MAX, "2026-01-05T10:00:00Z"),
    ("latitude", LATITUDE, 52.52), ("tilt", TILT, 35.0), ("amount_to_capture", AMOUNT, 1000),
    ("title", {"type": "string"}, "Found a bug"), ("state", {"type": "string", "enum": ["open closed"]}, "open closed"),
    ("balance", {"type": "number", "minimum": -1000}, -20.5),
])
def test_plausible_values_pass(name, schema, value):
    assert problem(name, schema, value) is None


def test_nested_arguments_are_judged_with_their_own_schemas():
    params = {"type": "object", "properties": {"assignees": {"type": "array", "description": "Logins for Users to assign to this issue.",
                                                             "items": {"type": "string"}}}}
    assert implausible_arguments({"assignees": ["octocat", "Maya Fischer"]}, params) == ["assignees='Maya Fischer' (identifier with spaces)"]


def test_hints_read_descriptions_and_defaults():
    assert hint_for("completedMax", COMPLETED_MAX) == "date-time"
    assert hint_for("tasklist", {"type": "string"}, in_path=True) == "identifier"
    assert hint_for("To", {"type": "string", "format": "phone-number"}) == "phone"
    assert hint_for("source", {"type": "string"}, owner="file") == "path" and hint_for("source", {"type": "string"}) is None
    assert description_choices({"description": 'Status of the task. This is either "needsAction" or "completed".'}) == ["needsAction", "completed"]
    value = shaped_like("6383989636a233ea35d1e566", random.Random(0))  # an xLAM default: a hex object id
    assert len(value) == 24 and all(c in "0123456789abcdef" for c in value)

"""A comparison key for decoded values, shared by the calls tests."""


def typed(value):
    """A comparison key that tells True from 1, 1 from 1.0, -0.0 from 0.0 and lists from tuples."""
    if isinstance(value, dict):
        return ("dict", tuple((typed(k), typed(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(typed(v) for v in value))
    if isinstance(value, (float, complex)):
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


def typed_calls(calls):
    return [(c.name, typed(c.arguments)) for c in calls]

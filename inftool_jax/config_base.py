"""Base class for config sections: typed, strict, documented by field docstrings; renamed keys refused by name."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class Section(BaseModel):
    """A config section. Unknown keys are errors; each field's docstring is its documentation.

    ``renamed_keys`` lists keys the section once had and where their setting lives now, so an old
    config fails with the new name instead of a bare "unknown key": a value that is a key of this
    section is a rename (``{"group_size": "num_generations"}``); a value whose first word is a dotted
    path from the config's top is a move (``{"learning_rate": "sft.learning_rate / grpo.learning_rate"}``).
    Words after the new key are a hint shown with it (e.g. how the values changed).
    """

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        validate_assignment=True,
        protected_namespaces=(),
    )

    renamed_keys: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _refuse_renamed_keys(cls, data: Any) -> Any:
        # Built in Python (not through load_config, which names the file and the full key first).
        if isinstance(data, dict):
            for key in data:
                problem = renamed_key_problem(cls, key)
                if problem is not None:
                    raise ValueError(f"{key}: {problem}")
        return data


def renamed_key_problem(section: type, key: Any, path: str = "") -> str | None:
    """``"renamed to grpo.num_generations"`` when ``key`` is one of ``section``'s old keys (``path``: the section's
    dotted place in the config), else None."""
    table = getattr(section, "renamed_keys", None)
    if not isinstance(key, str) or not table or key not in table:
        return None
    target = table[key]
    if "." in target.split(" ", 1)[0]:
        return f"moved to {target}"
    return f"renamed to {path + '.' if path else ''}{target}"

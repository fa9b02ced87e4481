"""Helpers for the spec-ingestion tests: write small specs into tmp_path."""

import json

import pytest
import yaml


@pytest.fixture
def write_spec(tmp_path):
    """write_spec(name, data_or_text) -> path; dicts/lists go out as JSON or YAML by suffix."""

    def write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif path.suffix in (".yaml", ".yml"):
            path.write_text(yaml.safe_dump(content, sort_keys=False))
        else:
            path.write_text(json.dumps(content))
        return path

    return write


@pytest.fixture(scope="session")
def large_specs():
    """The generators of tests/tools/large_specs.py (tests run with --import-mode=importlib: no sys.path entry)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("large_specs", Path(__file__).parent / "large_specs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

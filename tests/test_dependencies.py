"""The runtime dependency set of pyproject.toml is exactly what the package imports.

Walks every module of ``inftool_jax`` with ``ast`` (imports inside functions included), maps
each third-party top-level module to the distribution that provides it, and compares with
``[project].dependencies``: an import without a declared distribution fails a fresh
``pip install -e .`` at run time (as ``jinja2`` once did for ``inftool init-model``), and a
declared distribution nothing imports is weight every user installs for nothing.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "inftool_jax"

# Modules whose distribution has another name; the rest are looked up in the installed
# environment's packages_distributions() (and fall back to the module's own name).
MODULE_TO_DIST = {
    "yaml": "pyyaml",
    "jinja2": "jinja2",
    "mcp_types": "mcp-types",
    "orbax": "orbax-checkpoint",
    "tensorboardX": "tensorboardx",
    "tensorflow_datasets": "tensorflow-datasets",
}

# Declared but never imported by name, each for a reason that a run needs it.
NEEDED_WITHOUT_IMPORT = {
    "array-record": "tfds's array_record file format, which synth/tfds_builder.py writes (tfds imports it)",
    "importlib-resources": "tensorflow_datasets imports it without declaring it (synth/tfds_builder.py fails without)",
}


def _canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules() -> dict[str, str]:
    """Third-party top-level module -> the first ``file:line`` that imports it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == PACKAGE.name or top in sys.stdlib_module_names or top == "__future__":
                    continue
                found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def declared_runtime() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_canonical(re.split(r"[\s<>=!~;\[(]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def distribution_of(module: str) -> str:
    if module in MODULE_TO_DIST:
        return _canonical(MODULE_TO_DIST[module])
    installed = packages_distributions().get(module)
    return _canonical(installed[0] if installed else module)


def test_every_third_party_import_is_a_declared_runtime_dependency():
    declared = declared_runtime()
    missing = sorted(
        f"{module} (distribution {distribution_of(module)}; imported at {where})"
        for module, where in imported_modules().items()
        if distribution_of(module) not in declared
    )
    assert not missing, "add to [project].dependencies in pyproject.toml:\n" + "\n".join(missing)


def test_every_declared_runtime_dependency_is_imported_or_needed_for_a_stated_reason():
    used = {distribution_of(module) for module in imported_modules()} | set(NEEDED_WITHOUT_IMPORT)
    unused = sorted(declared_runtime() - used)
    assert not unused, "declared in [project].dependencies but never imported by inftool_jax:\n" + "\n".join(unused)


def test_the_walk_sees_imports_inside_functions():
    # jinja2 is imported only inside a function of model/chat_template.py: the check must count it.
    assert imported_modules()["jinja2"].startswith("inftool_jax/model/chat_template.py")

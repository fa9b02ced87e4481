"""The package's imports run one way: shared ideas at the bottom, the loop and the CLI at the top.

Walks every module's imports with ``ast`` (imports inside functions included) and fails on an
import from a layer to a higher one, or on two packages importing each other, naming the edge
and the file. The composition root (``cli``, ``config``, ``commands``, ``__main__``) may reach
anything; nothing may import it back.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "inftool_jax"

# Bottom to top, as DESIGN.md §2 draws it: each unit may import the units before it, never one after.
LAYERS = [
    ["__init__", "errors", "registry", "config_base"],
    ["calls"],
    ["tools"],
    ["grading"],
    ["world"],
    ["model"],
    ["rollout"],
    ["serve"],
    ["synth"],
    ["train"],
    ["sft"],
    ["bootstrap"],
    ["rl"],
    ["evaluate"],
    ["loop"],
]
COMPOSITION_ROOT = {"cli", "config", "commands", "__main__"}
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2 or not ((PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
        return "__init__"  # ``from inftool_jax import __version__``
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_edges() -> list[tuple[str, str, str]]:
    """``(from unit, to unit, file:line)`` for every import of another unit of the package."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        src = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    if path.name != "__init__.py":
                        base = base[:-1]
                    base = base[: len(base) - node.level + 1]
                    targets = [".".join(base + ([node.module] if node.module else []))]
                else:
                    targets = [node.module or ""]
                if node.module is None or targets[0] == PACKAGE.name:
                    targets = [f"{targets[0]}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != PACKAGE.name:
                    continue
                dst = _unit(target)
                if dst != src:
                    edges.append((src, dst, f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"))
    return edges


def test_every_unit_of_the_package_has_a_layer():
    units = {_unit(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    unplaced = sorted(units - set(RANK) - COMPOSITION_ROOT)
    assert not unplaced, f"add these to LAYERS (and DESIGN.md §2): {unplaced}"


def test_no_import_runs_against_the_flow():
    back = [
        f"{src} -> {dst} ({where})"
        for src, dst, where in import_edges()
        if src not in COMPOSITION_ROOT and (dst in COMPOSITION_ROOT or RANK[dst] > RANK[src])
    ]
    assert not back, "imports against the flow of the loop:\n" + "\n".join(back)


def test_no_two_packages_import_each_other():
    seen = defaultdict(list)
    for src, dst, where in import_edges():
        seen[(src, dst)].append(where)
    cycles = [f"{a} <-> {b} ({seen[(a, b)][0]}; {seen[(b, a)][0]})" for (a, b) in seen if a < b and (b, a) in seen]
    assert not cycles, "packages that import each other:\n" + "\n".join(cycles)


def test_the_walk_sees_imports_inside_functions():
    # The check is only as good as the walk: a function-level import must count.
    edges = import_edges()
    assert any(where.startswith("inftool_jax/synth/llm/backend_policy.py") and dst == "rollout" for src, dst, where in edges)

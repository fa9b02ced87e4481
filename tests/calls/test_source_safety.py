"""No module of inftool_jax.calls can run model text: no eval, exec, compile or literal_eval."""

import ast
import pathlib

import inftool_jax.calls

FORBIDDEN = {"eval", "exec", "compile", "literal_eval", "__import__", "execfile"}
CALLS_DIR = pathlib.Path(inftool_jax.calls.__file__).parent


def _forbidden_uses(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            is_regex = isinstance(node.value, ast.Name) and node.value.id == "re"
            name = None if is_regex else node.attr  # re.compile builds a regex, it runs no code
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [f"{path.name}: import {a.name}" for a in node.names if a.name.split(".")[-1] in FORBIDDEN]
        if name in FORBIDDEN:
            found.append(f"{path.name}:{node.lineno}: {name}")
    return found


def test_no_calls_module_uses_eval_exec_or_compile():
    sources = sorted(CALLS_DIR.glob("*.py"))
    assert len(sources) >= 6  # the check looks at the real package folder
    assert [use for path in sources for use in _forbidden_uses(path)] == []


def test_the_check_catches_eval_when_it_is_there(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import ast, re\nx = ast.literal_eval('1')\ny = eval('2')\nfrom builtins import exec\nr = re.compile('a')\n")
    assert len(_forbidden_uses(sample)) == 3

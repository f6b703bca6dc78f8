"""The package's shape: layers, no cycles, where imports may sit, module sizes.

The layers themselves are import-linter contracts in pyproject.toml (run here
and by `lint-imports` in CI); the rules import-linter cannot state are checked
by reading each module's syntax tree. docs/design/architecture.md explains them.
"""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bpv"
MODULES = sorted(PACKAGE.rglob("*.py"))
#: Third-party libraries heavy enough, or optional enough, to import only when used.
HEAVY = ("numba", "scipy.stats", "scipy.optimize", "matplotlib", "jinja2", "tqdm", "pandas",
         "sqlalchemy", "distributed", "dask", "networkx")
#: The most lines of code (not docstrings, comments or blank lines) a module may have.
MAX_CODE_LINES = 600


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, str, str]]:
    """(imported module or package, name imported or '', where) for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found: list[tuple[str, str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            here = where
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                here = "function"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                here = "type checking"
            if isinstance(child, ast.Import):
                found.extend((alias.name, "", here) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = child.module or ""
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join([*base, module] if module else base)
                found.extend((module, alias.name, here) for alias in child.names)
            visit(child, here)

    visit(tree, "module")
    return found


def _target(module: str, name: str) -> str:
    """The bpv module an import reaches: a submodule when the name is one."""
    candidate = f"{module}.{name}"
    known = {_name(path) for path in MODULES}
    return candidate if candidate in known else module


def _heavy(path: Path) -> bool:
    """Whether a bpv module imports a heavy library at module level, or is one by design."""
    if _heavy_by_design(path):
        return True
    return any(where == "module" and _is_heavy(module, name)
               for module, name, where in _imports(path))


def _is_heavy(module: str, name: str) -> bool:
    return module.startswith(HEAVY) or f"{module}.{name}".startswith(HEAVY)


def test_the_layers_hold_as_import_linter_checks_them():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    run = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    # A copy of the package where the spec imports the engine: lint-imports must refuse it.
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    shutil.copytree(PACKAGE, tmp_path / "bpv", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    node = tmp_path / "bpv" / "spec" / "node.py"
    node.write_text(node.read_text(encoding="utf-8") + textwrap.dedent("""

        def _upward() -> None:
            from bpv.engine.monte_carlo import appraise  # noqa: F401
        """), encoding="utf-8")
    run = subprocess.run([lint_imports, "--no-cache"], cwd=tmp_path, capture_output=True,
                         text=True, check=False, env={"PYTHONPATH": str(tmp_path),
                                                      "PATH": str(Path(sys.executable).parent)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "bpv.spec is not allowed to import bpv.engine" in run.stdout
    assert "bpv.spec.node -> bpv.engine.monte_carlo" in run.stdout


def test_no_module_imports_itself_back_counting_functions_and_type_checking():
    graph = nx.DiGraph()
    for path in MODULES:
        for module, name, _ in _imports(path):
            if module.startswith("bpv"):
                target = _target(module, name)
                if target != _name(path):
                    graph.add_edge(_name(path), target)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_bpv_modules_are_imported_inside_functions_only_when_they_are_heavy():
    by_name = {_name(path): path for path in MODULES}
    lazy = sorted(f"{_name(path)} -> {_target(module, name)}"
                  for path in MODULES for module, name, where in _imports(path)
                  if where == "function" and module.startswith("bpv")
                  and not _heavy(by_name[_target(module, name)]))
    assert lazy == []


def _heavy_by_design(path: Path) -> bool:
    """The modules that exist to hold a heavy library: numba code, scipy subclasses, and the
    benefits register (bpv.register is SQLAlchemy Core throughout; the cli and `bpv.Register`
    reach it only inside functions, so `import bpv` never loads SQLAlchemy)."""
    return (path.stem.endswith("_jit") or path.stem == "_finite_discrete"
            or _name(path).startswith("bpv.register"))


def test_heavy_libraries_are_imported_only_inside_functions():
    # `import bpv` and `bpv validate` stay quick: numba, scipy.stats, matplotlib and
    # the others load when a function needs them.
    eager = sorted(f"{_name(path)}: {module}" for path in MODULES
                   for module, name, where in _imports(path)
                   if where == "module" and _is_heavy(module, name)
                   and not _heavy_by_design(path))
    assert eager == []


def test_only_the_drawing_layers_import_matplotlib():
    # Computation runs, and is tested, without matplotlib or a display.
    drawing = ("bpv.plot", "bpv.reporting")
    importers = sorted(_name(path) for path in MODULES
                       for module, name, _ in _imports(path)
                       if f"{module}.{name}".startswith("matplotlib")
                       and not _name(path).startswith(drawing))
    assert importers == []


def test_no_package_binds_a_name_its_submodule_has():
    # `import bpv.analysis.sensitivity as s` must give the module, never a function.
    clashes = []
    for init in PACKAGE.rglob("__init__.py"):
        submodules = {path.stem for path in init.parent.glob("*.py")} | {
            path.name for path in init.parent.iterdir() if (path / "__init__.py").exists()}
        tree = ast.parse(init.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                bound = {alias.asname or alias.name for alias in node.names}
                module = node.module or ""
                # `from bpv import dist, plot` binds the submodules themselves: allowed.
                if module == _name(init):
                    bound -= submodules
                clashes += [f"{_name(init)}.{name}" for name in bound & submodules
                            if f"{module}.{name}" != f"{_name(init)}.{name}"]
    assert clashes == []


def test_private_names_stay_in_their_module():
    crossings = sorted(f"{_name(path)} <- {module}.{name}"
                       for path in MODULES for module, name, _ in _imports(path)
                       if module.startswith("bpv") and name.startswith("_")
                       and not name.startswith("__"))
    assert crossings == []


def _code_lines(path: Path) -> int:
    source = path.read_text(encoding="utf-8")
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and ast.get_docstring(node, clean=False) is not None:
            first = node.body[0]
            docstrings.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    lines: set[int] = set()
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.update(n for n in range(token.start[0], token.end[0] + 1)
                         if n not in docstrings)
    return len(lines)


def test_no_module_is_longer_than_the_limit():
    long = {_name(path): n for path in MODULES if (n := _code_lines(path)) > MAX_CODE_LINES}
    assert long == {}

"""The public API: every advertised name imports; nothing private leaks; no plotting import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import bpv

# Every module and package under bpv, except the ``__main__`` scripts (importing one runs it).
WALKED = sorted(pkgutil.walk_packages(bpv.__path__, prefix="bpv."), key=lambda info: info.name)
MODULES = [info.name for info in WALKED if info.name.rsplit(".", 1)[-1] != "__main__"]
PACKAGES = [info.name for info in WALKED if info.ispkg]


def test_every_top_level_name_exists():
    for name in bpv.__all__:
        assert hasattr(bpv, name), name


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_module_declares_all_and_it_resolves(module_name):
    module = importlib.import_module(module_name)
    if module_name.rsplit(".", 1)[-1].startswith("_"):
        return
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name}"
        assert not name.startswith("_") or name == "__version__"


def test_the_walk_reaches_every_module_file():
    # pkgutil finds a module only through its package: a folder without __init__.py
    # would hide its modules from every check here.
    root = Path(bpv.__file__).parent
    on_disk = {".".join(("bpv", *path.relative_to(root).with_suffix("").parts))
               .removesuffix(".__init__") for path in root.rglob("*.py")}
    assert on_disk - {"bpv"} == {info.name for info in WALKED}


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_subpackage_all_names_import(package_name):
    namespace: dict[str, object] = {}
    names = importlib.import_module(package_name).__all__
    exec(f"from {package_name} import *", namespace)  # noqa: S102 - our own package names
    assert all(name in namespace for name in names), package_name
    for name in names:
        assert not name.startswith("_") or name == "__version__", f"{package_name}.{name}"


def test_the_command_line_package_exports_its_entry_point():
    import bpv.cli
    assert bpv.cli.__all__ == ["main"]
    assert callable(bpv.cli.main)


def test_top_level_exports_nothing_private():
    assert all(not name.startswith("_") or name == "__version__" for name in bpv.__all__)


def test_errors_refine_builtins():
    assert issubclass(bpv.SpecError, ValueError)
    assert issubclass(bpv.BidValidationError, bpv.SpecError)
    assert issubclass(bpv.FormulaError, bpv.BPVError)
    assert issubclass(bpv.BidWarning, UserWarning)


def test_loading_a_bid_never_imports_matplotlib():
    code = ("import sys, bpv; bpv.load('examples/bids/frailty_virtual_ward.yaml'); "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_importing_bpv_never_imports_sqlalchemy_until_the_register_is_used():
    code = ("import sys, bpv; before = 'sqlalchemy' in sys.modules; bpv.Register; "
            "print(before, 'sqlalchemy' in sys.modules, bpv.Register.__module__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "True", "bpv.register.store"]

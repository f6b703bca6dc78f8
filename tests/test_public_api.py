"""The public API: every advertised name imports; nothing private leaks; no plotting import."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import bpv

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(bpv.__path__, prefix="bpv.")
    if info.name != "bpv.__main__"
)


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

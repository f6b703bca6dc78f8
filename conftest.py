"""Test-wide settings: compiled kernels are cached in a folder of the run's own.

The suite never writes to the user's kernel cache (``BPV_CACHE_DIR``, see
:mod:`bpv._kernel_cache`), and every run compiles its kernels afresh.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE = tempfile.mkdtemp(prefix="bpv-test-kernels-")


def pytest_configure(config: pytest.Config) -> None:
    """Point the kernel cache at this run's folder."""
    del config
    os.environ["BPV_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this run's kernel cache."""
    del config
    shutil.rmtree(_CACHE, ignore_errors=True)

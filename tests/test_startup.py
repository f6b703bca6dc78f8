"""Start-up stays light: what ``import bpv``, ``bpv validate`` and ``bpv --help`` load.

Each check runs a new interpreter and reads its ``sys.modules``: a behaviour,
not a timing (benchmarks/bench_startup.py measures the times). These
libraries cost more to import than checking a bid does, so they load only
when a feature needs them: appraising (numba), Sobol' points and
sensitivity (scipy.stats), fitting quantile judgements (scipy.optimize),
drawing the logic model (networkx), reports (jinja2, matplotlib) and
tables (pandas).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "bids").glob("*.yaml"))
#: Never loaded by importing bpv, checking a bid or asking for help.
NOT_AT_START = ("scipy.stats", "scipy.optimize", "networkx", "jinja2", "matplotlib", "pandas",
                "numba", "sqlalchemy", "dask", "distributed")


def loaded_after(code: str) -> list[str]:
    """Run ``code`` in a new interpreter; return which of NOT_AT_START it loaded."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps([m for m in {NOT_AT_START!r} if m in sys.modules]))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_import_bpv_loads_none_of_them():
    assert loaded_after("import bpv") == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_validating_a_bid_on_the_command_line_loads_none_of_them(path):
    # Every example bid: intervals of each shape fitted, scenarios, policies, lint.
    code = ("import contextlib, io\nfrom bpv.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    status = main(['validate', '--strict', {str(path)!r}])\n"
            "assert status == 0, out.getvalue()")
    if path.stem == "frailty_virtual_ward":
        assert loaded_after(code) == []
    else:
        # Three or more quantile judgements are fitted by least squares (scipy.optimize).
        assert set(loaded_after(code)) <= {"scipy.optimize"}


def test_help_loads_none_of_them():
    code = ("import contextlib, io\nfrom bpv.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "    main(['--help'])")
    assert loaded_after(code) == []


def test_the_lazy_names_load_their_layer_on_first_use():
    code = ("import sys, bpv\nbefore = 'bpv.engine.monte_carlo' in sys.modules\n"
            "bpv.appraise\nassert not before and 'bpv.engine.monte_carlo' in sys.modules")
    assert loaded_after(code) == []

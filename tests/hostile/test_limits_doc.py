"""docs/limits.md states the limits the code enforces, so the two cannot drift apart."""

from __future__ import annotations

from pathlib import Path

from bpv._utils.yaml_io import MAX_DEPTH, MAX_ITEMS
from bpv.engine.budget import MAX_DRAWS, MAX_KEPT_BYTES
from bpv.engine.ledger import MAX_AMOUNT
from bpv.formulas import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, MAX_FORMULA_NODES
from bpv.io import MAX_FILE_BYTES
from bpv.spec import _base

LIMITS = (Path(__file__).resolve().parents[2] / "docs" / "limits.md").read_text(encoding="utf-8")


def test_every_reading_limit_is_stated_with_its_value():
    assert f"{MAX_FILE_BYTES:,} bytes" in LIMITS
    assert f"{MAX_FILE_BYTES / 2**20:g} MiB" in LIMITS
    assert f"{MAX_DEPTH} levels" in LIMITS
    assert f"more than {MAX_ITEMS:,} keys and items" in LIMITS


def test_every_formula_limit_is_stated_with_its_value():
    assert f"| {MAX_FORMULA_LENGTH:,} characters |" in LIMITS
    assert f"| {MAX_FORMULA_DEPTH} levels |" in LIMITS
    assert f"| {MAX_FORMULA_NODES:,} |" in LIMITS


def test_every_run_limit_is_stated_with_its_value():
    assert f"| {MAX_DRAWS:,} (10⁹" in LIMITS
    assert f"the limit is {MAX_DRAWS:,} a run" in LIMITS
    assert f"| {MAX_KEPT_BYTES / 2**30:g} GiB |" in LIMITS


def test_every_limit_of_a_bid_is_stated_with_its_value():
    lengths = {"MAX_ID_LENGTH", "MAX_TITLE_LENGTH", "MAX_TEXT_LENGTH"}
    for name in _base.__all__:
        if not name.startswith("MAX_"):
            continue
        value = getattr(_base, name)
        unit = " characters" if name in lengths else ""
        assert f"| {value:,}{unit} | `{name}` |" in LIMITS, name


def test_every_limit_of_an_actuals_file_is_stated_with_its_value():
    from bpv.tracking import actuals

    assert f"| {actuals.MAX_ACTUALS_BYTES / 2**20:g} MiB ({actuals.MAX_ACTUALS_BYTES:,} bytes)" \
        in LIMITS
    assert f"| {actuals.MAX_ACTUALS_ROWS:,} |" in LIMITS
    assert f"| {actuals.MAX_NOTE_LENGTH:,} characters |" in LIMITS
    assert f"| {actuals.MAX_CELL_LENGTH:,} characters |" in LIMITS
    assert f"| {actuals.MAX_PROBLEMS_LISTED:,} |" in LIMITS


def test_the_bound_on_amounts_is_stated_with_its_value():
    assert f"| ±{MAX_AMOUNT:.0e} | `bpv.engine.ledger.MAX_AMOUNT` |" in LIMITS
    assert f"beyond ±{MAX_AMOUNT:.0e}, the largest amount bpv works with" in LIMITS

"""Results shared by the tables tests: small runs of the examples, made once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "bids"
FRAILTY = EXAMPLES / "frailty_virtual_ward.yaml"
DIABETES = EXAMPLES / "diabetes_prevention.yaml"
PATHOLOGY = EXAMPLES / "pathology_network.yaml"
PORTFOLIO = ROOT / "examples" / "portfolio"


@pytest.fixture(scope="session")
def frailty():
    bid = bpv.load(FRAILTY)
    return bid, bpv.appraise(bid, n_draws=2_000, rng=11, progress=False)


@pytest.fixture(scope="session")
def comparison():
    # The two differ in horizon and price year: compare says so (and goes on).
    with pytest.warns(bpv.BidWarning, match="not on one footing"):
        return bpv.compare([bpv.load(FRAILTY), bpv.load(PATHOLOGY)], n_draws=2_000, rng=3)


@pytest.fixture(scope="session")
def sensitivity():
    return bpv.sensitivity(bpv.load(FRAILTY), n_draws=2_000, rng=5, sobol_n=256,
                           sobol_intervals=False, switching=False, progress=False)


@pytest.fixture(scope="session")
def scenario_table():
    return bpv.scenarios(bpv.load(PATHOLOGY), n_draws=2_000, rng=7, progress=False)


@pytest.fixture(scope="session")
def chosen():
    bids = [bpv.load(path) for path in sorted((PORTFOLIO / "bids").glob("*.yaml"))]
    return bpv.portfolio(bids, PORTFOLIO / "constraints.yaml", n_draws=1_000, rng=1,
                         n_bootstrap=5, frontier_points=3)


@pytest.fixture(scope="session")
def tracking():
    bid = bpv.load(DIABETES)
    result = bpv.appraise(bid, n_draws=2_000, rng=2025, keep_flows=True, keep_inputs=True,
                          progress=False)
    return bpv.track(result, ROOT / "examples" / "tracking" / "diabetes_prevention_actuals.csv",
                     bid=bid, as_at="2026-12-07")


@pytest.fixture(scope="session")
def reforecast(tracking):
    return tracking.reforecast(rng=1)


@pytest.fixture(scope="session")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bids")
    for path in (FRAILTY, DIABETES):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "broken.yaml").write_text("id: broken\ntitle: Broken\nhorizon: -1\n")
    return bpv.appraise_many(folder, n_draws=2_000, rng=4, progress=False)

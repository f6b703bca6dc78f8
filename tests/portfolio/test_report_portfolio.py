"""The portfolio section of the comparison report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bpv

# The example bids differ in horizon (5, 6 and 10 years) and price year, which compare
# warns about (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

ROOT = Path(__file__).resolve().parents[2]
BIDS = sorted((ROOT / "examples" / "portfolio" / "bids").glob("*.yaml"))


@pytest.fixture(scope="module")
def bids():
    return [bpv.load(path) for path in BIDS]


def test_the_comparison_report_shows_the_chosen_portfolio(bids):
    comparison = bpv.compare(bids, n_draws=500, rng=3)
    chosen = bpv.portfolio(bids, ROOT / "examples" / "portfolio" / "constraints.yaml",
                           n_draws=500, rng=3, n_bootstrap=4, frontier_points=3)
    html = bpv.report_comparison(comparison, bids=bids, portfolio=chosen)
    section = html.split('<section id="portfolio">')[1].split("</section>")[0]
    rows = re.findall(r'<tr data-bid="([^"]+)"><th scope="row" class="mono">[^<]+</th>'
                      r"<td>(yes)?</td>", section)
    assert {bid for bid, yes in rows if yes} == set(chosen.chosen)
    assert {bid for bid, _ in rows} == set(chosen.bids)
    names = re.findall(r'<tr data-constraint="([^"]+)"', section)
    assert names == [name.replace("|", "|") for name in chosen.slacks]
    assert section.count("<figure>") == 3  # the chosen set, two frontiers
    assert "The portfolio" in html.split("<section")[0]  # in the contents
    plain = bpv.report_comparison(comparison, bids=bids)
    assert 'id="portfolio"' not in plain


def test_a_portfolio_of_other_bids_is_refused(bids):
    comparison = bpv.compare(bids[:2], n_draws=200, rng=3)
    chosen = bpv.portfolio(bids[:3], n_draws=200, rng=3, n_bootstrap=0, frontier_points=0)
    with pytest.raises(bpv.SpecError, match="other bids than those compared"):
        bpv.report_comparison(comparison, bids=bids[:2], portfolio=chosen)

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


def test_bpv_report_with_constraints_chooses_the_portfolio_on_the_same_seed(bids, tmp_path):
    from bpv.cli import main

    constraints = ROOT / "examples" / "portfolio" / "constraints.yaml"
    out = tmp_path / "comparison.html"
    assert main(["report", *map(str, BIDS), "--constraints", str(constraints), "-o", str(out),
                 "--draws", "600", "--seed", "3", "--quiet"]) == 0
    section = out.read_text(encoding="utf-8").split('<section id="portfolio">')[1]
    chosen = bpv.portfolio(bids, constraints, n_draws=600, rng=3)
    rows = re.findall(r'<tr data-bid="([^"]+)"><th scope="row" class="mono">[^<]+</th>'
                      r"<td>(yes)?</td>", section)
    assert {bid for bid, yes in rows if yes} == set(chosen.chosen)
    assert "on 600 shared draws" in section


def test_bpv_report_constraints_need_several_bids_and_a_valid_file(tmp_path, capsys):
    from bpv.cli import main

    out = tmp_path / "comparison.html"
    assert main(["report", str(BIDS[0]), "--constraints", "x.yaml", "-o", str(out)]) == 2
    assert "give two or more files" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("budgets: {total: {limit: -5}}\n", encoding="utf-8")
    assert main(["report", *map(str, BIDS[:2]), "--constraints", str(bad), "-o", str(out),
                 "--draws", "200", "--quiet"]) == 1
    assert str(bad) in capsys.readouterr().err
    assert not out.exists()

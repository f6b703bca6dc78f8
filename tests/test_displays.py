"""Every result shows well in a notebook: a short repr, and an HTML table of its summary's rows."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

import bpv
from bpv.engine.results import Summary

# The example bids differ in horizon (5, 6 and 10 years) and price year, which compare
# warns about (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"


class RowNames(HTMLParser):
    """The header cell of each body row of an HTML table, and whether any tag is unknown."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []
        self.tags: set[str] = set()
        self._body = self._row_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "tbody":
            self._body = True
        elif tag == "th" and self._body:
            self._row_head = True
            self.names.append("")

    def handle_endtag(self, tag):
        if tag == "th":
            self._row_head = False

    def handle_data(self, data):
        if self._row_head:
            self.names[-1] += data


@pytest.fixture(scope="module")
def results():
    bid = bpv.load(FRAILTY)
    appraisal = bpv.appraise(bid, n_draws=2_000, rng=1, keep_flows=True, keep_inputs=True,
                             progress=False)
    tracking = bpv.track(appraisal, "examples/tracking/frailty_virtual_ward_actuals.csv",
                         bid=bid, as_at="2026-12-07")
    return {
        "appraisal": appraisal,
        "organisation": appraisal.organisation("acute"),
        "summary": appraisal.summary(),
        "comparison": bpv.compare([bid, bpv.load("examples/bids/diabetes_prevention.yaml")],
                                  n_draws=2_000, rng=1),
        "sensitivity": bpv.sensitivity(bid, n_draws=2_000, rng=1, sobol_n=None,
                                       switching=False),
        "scenarios": bpv.scenarios(bpv.load("examples/bids/pathology_network.yaml"),
                                   n_draws=2_000, rng=1),
        "tracking": tracking,
        "reforecast": tracking.reforecast(rng=1, method="reweight"),
        "batch": bpv.appraise_many(["examples/bids"], n_draws=2_000, rng=1, progress=False),
    }


NAMES = ["appraisal", "organisation", "summary", "comparison", "sensitivity", "scenarios",
         "tracking", "reforecast", "batch"]


@pytest.mark.parametrize("name", NAMES)
def test_the_repr_is_one_short_line(results, name):
    text = repr(results[name])
    assert "\n" not in text
    assert len(text) < 160, text
    assert "array(" not in text
    assert text.startswith("<")
    assert text.endswith(">")


@pytest.mark.parametrize("name", NAMES)
def test_the_html_is_a_table_of_the_summarys_rows(results, name):
    result = results[name]
    page = RowNames(result._repr_html_())
    assert page.tags <= {"table", "caption", "thead", "tbody", "tr", "th", "td"}
    summary = result.summary() if hasattr(result, "summary") else None
    if isinstance(summary, Summary):
        assert page.names == list(summary.rows)
    else:
        assert page.names  # a table with rows (Reforecast and Batch build their own)


def test_text_in_a_table_is_escaped():
    html = Summary({"<script>": {"mean": 1.0}}, title="a & b")._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert re.search(r"<caption>a &amp; b</caption>", html)

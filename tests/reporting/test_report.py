"""The HTML reports: sections, self-contained, escaped, right numbers; the CLI; a real browser.

One bid's report (with and without its sensitivity section) and the comparison report of
several bids.
"""

from __future__ import annotations

import base64
import importlib
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

import bpv
from bpv.cli import main

# The example bids differ in horizon (5, 6 and 10 years) and price year, which compare
# warns about (tests/analysis/test_comparison.py checks the warning itself).
pytestmark = pytest.mark.filterwarnings("ignore:.*not on one footing:bpv.errors.BidWarning")

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"
DIABETES = "examples/bids/diabetes_prevention.yaml"
PATHOLOGY = "examples/bids/pathology_network.yaml"
INVALID = "tests/data/invalid/unknown_reference.yaml"
N_DRAWS = 2_000
SECTIONS = ["1. The bid", "2. Headline results", "3. Logic model", "4. Hypotheses register",
            "5. Organisations", "6. Figures", "7. Monte Carlo", "8. Provenance"]
SCRIPT = "<script>alert(1)</script>"
# The modules that make the reports (bpv.report and bpv.report_comparison are their functions).
report_module = importlib.import_module("bpv.reporting.html_report")
comparison_module = importlib.import_module("bpv.reporting.html_comparison")
shared_module = importlib.import_module("bpv.reporting._html")
ROW_KEYS = ("data-metric", "data-organisation", "data-parameter", "data-input", "data-group",
            "data-option", "data-key", "data-scenario", "data-pair")


class Page(HTMLParser):
    """What a test needs of a page: headings, tables, images, links, and cells with values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": []}
        self.rows: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (table, key) -> cells
        self.cell_attributes: dict[tuple[str, str], list[dict[str, str | None]]] = {}
        self.text: list[str] = []
        self._heading: str | None = None
        self._table: str | None = None
        self._row: tuple[str, str] | None = None
        self._cell: list[str] | None = None
        self._cell_value = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in self.headings:
            self._heading = tag
            self.headings[tag].append("")
        elif tag == "table":
            self._table = attributes.get("id") or ""
        elif tag == "tr":
            key = next((attributes[name] for name in ROW_KEYS if attributes.get(name)), None)
            self._row = (self._table or "", key) if key else None
            if self._row:
                self.rows[self._row] = []
                self.cell_attributes[self._row] = []
        elif tag == "td" and self._row is not None:
            self._cell, self._cell_value = [], attributes.get("data-value") or ""
            self.cell_attributes[self._row].append(attributes)

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None
        elif tag == "td" and self._cell is not None and self._row is not None:
            self.rows[self._row].append(("".join(self._cell).strip(), self._cell_value))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading:
            self.headings[self._heading][-1] += data
        if self._cell is not None:
            self._cell.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)

    def table_ids(self) -> set[str]:
        return {attrs.get("id") or "" for name, attrs in self.tags if name == "table"}

    def keys(self, table: str) -> list[str]:
        return [key for name, key in self.rows if name == table]

    def values(self, table: str, key: str) -> list[float]:
        """The data-value of each cell that has one, as numbers (NaN for 'nan')."""
        return [float(value) for _, value in self.rows[(table, key)] if value]


def _same(value: float, expected: float | None) -> bool:
    """A cell's data-value is the computed number itself (NaN for none)."""
    if expected is None or math.isnan(expected):
        return math.isnan(value)
    return value == expected


def _pounds(text: str) -> float:
    return float(text.replace("\N{MINUS SIGN}", "-").replace("£", "").replace(",", ""))


@pytest.fixture(scope="module")
def bid():
    return bpv.load(FRAILTY)


@pytest.fixture(scope="module")
def result(bid):
    return bpv.appraise(bid, n_draws=N_DRAWS, rng=5)


@pytest.fixture(scope="module")
def html(result, bid):
    return bpv.report(result, bid=bid)


@pytest.fixture(scope="module")
def page(html):
    return Page(html)


def test_the_page_has_every_section_in_order(page, bid):
    assert page.headings["h1"] == [bid.title]
    assert page.headings["h2"] == SECTIONS
    assert {"identity", "settings", "organisation-list", "headline-table", "nodes", "register",
            "organisation-table", "monte-carlo-settings", "mcse", "provenance-table",
            "discount-factors"} <= page.table_ids()


def test_there_is_a_figure_for_the_logic_model_and_each_plot(page, result):
    expected = 4 + len(result.metric_nodes)
    assert page.count("figure") == expected
    assert page.count("img") == expected
    titles = " ".join(page.text)
    assert "Logic model" in titles
    assert "Who gains and who pays" in titles
    assert "Cumulative net cash flow" in titles
    assert "Admissions avoided by year" in titles


def test_the_page_is_self_contained(page, html):
    _assert_self_contained(page, html)


def _assert_self_contained(page, html):
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html
    assert "url(" not in html
    for _, attributes in page.tags:
        for name in ("src", "href", "srcset", "action", "poster"):
            value = attributes.get(name) or ""
            assert not value.lower().startswith(("http:", "https:", "//", "file:")), value
    for name, attributes in page.tags:
        if name == "a":
            assert (attributes.get("href") or "").startswith("#")
        if name == "img":
            src = attributes["src"]
            assert src.startswith("data:image/svg+xml;base64,")
            svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
            assert "<svg" in svg
            assert "<script" not in svg
            assert "http://www.w3.org" in svg  # namespaces only: no href to anything outside
            assert 'href="http' not in svg


def test_text_from_the_bid_is_shown_as_text_never_as_markup(result):
    text = Path(FRAILTY).read_text(encoding="utf-8")
    text = text.replace("title: Frailty virtual ward, North Place",
                        f'title: "Ward {SCRIPT} & <b>bold</b>"\ndescription: "{SCRIPT}"')
    text = text.replace('hypothesis: "Virtual ward care avoids 10-25%',
                        f'hypothesis: "{SCRIPT} Virtual ward care avoids 10-25%')
    hostile = bpv.loads(text)
    html = bpv.report(bpv.appraise(hostile, n_draws=200, rng=1), bid=hostile)
    assert "<script" not in html.lower()
    assert "<b>bold</b>" not in html
    # The title in <title>, <h1> and the identity table; the description; the hypothesis.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5
    page = Page(html)
    assert page.headings["h1"] == [f"Ward {SCRIPT} & <b>bold</b>"]
    hypothesis = page.rows[("register", "admission_reduction")][1][0]
    assert SCRIPT in hypothesis


def test_the_templates_are_autoescaped():
    environment = shared_module.environment()
    assert environment.autoescape(report_module.TEMPLATE) is True
    assert environment.autoescape(comparison_module.TEMPLATE) is True
    assert environment.autoescape("_drivers.html.j2") is True
    assert environment.autoescape("another.j2") is True


def test_headline_numbers_are_the_summary_numbers(page, result):
    summary = result.summary().rows
    for metric, stats in summary.items():
        cells = page.rows[("headline-table", metric)]
        values = [value for _, value in cells if value]
        for value, statistic in zip(values[:4], ("mean", "median", "p5", "p95"), strict=True):
            expected = stats[statistic]
            assert float(value) == expected or (math.isnan(expected) and value == "nan")
    npv = page.rows[("headline-table", "npv")]
    assert npv[0][0].startswith(("£", "\N{MINUS SIGN}£"))
    assert _pounds(npv[0][0]) == pytest.approx(summary["npv"]["mean"], abs=0.5)
    assert _pounds(npv[2][0]) == pytest.approx(summary["npv"]["p5"], abs=0.5)
    label, share = npv[-2][0], float(npv[-1][1])
    assert label == "P(> 0)"
    assert share == result.probability("npv", ">", 0)
    assert page.rows[("headline-table", "payback")][-2][0] == "P(pays back)"


def test_metric_nodes_are_in_the_headline_table_as_totals(page, result):
    node = result.metric_node("admissions_avoided")
    cells = page.rows[("headline-table", "node:admissions_avoided")]
    assert float(cells[0][1]) == node.total_summary()["mean"]
    assert cells[0][0] == f"{node.total_summary()['mean']:,.0f}"


def test_each_organisation_has_its_net_position_with_an_interval(page, result):
    for organisation_id in result.organisations:
        view = result.organisation(organisation_id)
        npv = view.summary(metrics=["npv"]).rows["npv"]
        cells = page.rows[("organisation-table", organisation_id)]
        assert [float(value) for _, value in cells[:4]] == [
            npv["mean"], npv["median"], npv["p5"], npv["p95"]]
        assert float(cells[4][1]) == view.probability("npv", ">", 0)


def test_every_parameter_is_in_the_register_hypotheses_first(page, bid):
    keys = [key for table, key in page.rows if table == "register"]
    assert sorted(keys) == sorted(bid.parameters)
    assert keys[0] == "admission_reduction"
    words, grade = page.rows[("register", "admission_reduction")][2:4]
    assert "90% sure it lies between 0.1 and 0.25" in words[0]
    assert grade[0] == "Moderate"


def test_monte_carlo_settings_mcse_and_provenance(page, result, html):
    settings = " ".join(page.text)
    assert f"{N_DRAWS:,}" in settings
    assert "plain Monte Carlo (mc)" in settings
    assert f"rng={result.entropy}" in html
    summary = result.summary().rows
    for metric, stats in summary.items():
        cells = page.rows[("mcse", metric)]
        mcse = float(cells[1][1])
        assert mcse == stats["mcse"] or (math.isnan(mcse) and math.isnan(stats["mcse"]))
    assert result.bid_hash in html
    assert result.provenance["bpv_version"] in html
    assert f"{result.provenance['money_discount_factors'][1]:.6f}" in html


def test_report_writes_the_same_page_it_returns(result, bid, tmp_path):
    path = tmp_path / "report.html"
    html = bpv.report(result, path, bid=bid)
    assert path.read_text(encoding="utf-8") == html
    assert html == bpv.report(result, str(path), bid=bid)  # the same numbers, the same page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_report_needs_the_bid_that_was_appraised(result):
    with pytest.raises(bpv.SpecError, match=r"'bid' parameter of report must be the bpv\.Bid"):
        bpv.report(result)
    other = bpv.load("examples/bids/diabetes_prevention.yaml")
    with pytest.raises(bpv.SpecError, match="must be the bid that was appraised"):
        bpv.report(result, bid=other)
    with pytest.raises(bpv.SpecError, match="'appraisal' parameter of report"):
        bpv.report("result", bid=other)  # type: ignore[arg-type]


def test_report_leaves_pyplot_and_the_backend_alone():
    # Read the backend setting raw: matplotlib.get_backend() would itself import pyplot.
    code = ("import sys, matplotlib, bpv; raw = lambda: dict.__getitem__(matplotlib.rcParams, "
            "'backend'); backend = raw(); "
            f"bid = bpv.load({FRAILTY!r}); "
            "bpv.report(bpv.appraise(bid, n_draws=200, rng=1), bid=bid); "
            "print('matplotlib.pyplot' in sys.modules, raw() is backend)")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True)
    assert completed.stdout.split() == ["False", "True"]


# -- What drives value: the sensitivity section --------------------------------------------


@pytest.fixture(scope="module")
def drivers(bid):
    # The same seed and draws as `result`: the section says it uses the appraisal's own draws.
    return bpv.sensitivity(bid, metric="nmb", n_draws=N_DRAWS, rng=5, sobol_n=256)


@pytest.fixture(scope="module")
def drivers_html(result, bid, drivers):
    return bpv.report(result, bid=bid, sensitivity=drivers)


@pytest.fixture(scope="module")
def drivers_page(drivers_html):
    return Page(drivers_html)


def test_the_sensitivity_section_follows_the_organisations(drivers_page, page, result):
    assert drivers_page.headings["h2"] == [*SECTIONS[:5], "6. What drives value",
                                           "7. Figures", "8. Monte Carlo", "9. Provenance"]
    assert {"sensitivity-inputs", "sensitivity-value", "sensitivity-groups",
            "sensitivity-settings"} <= drivers_page.table_ids()
    assert drivers_page.count("figure") == page.count("figure") + 2  # tornado and group EVPPI
    text = " ".join(drivers_page.text)
    assert "Tornado" in text
    assert "Value of learning each group" in text
    assert "2,000: the appraisal's own draws" in text
    assert "Net monetary benefit (nmb), the whole system" in text


def test_the_sensitivity_tables_hold_the_sensitivity_numbers(drivers_page, drivers_html,
                                                              drivers):
    assert drivers_page.keys("sensitivity-inputs") == [row.input for row in drivers.inputs]
    assert drivers_page.keys("sensitivity-value") == [row.input for row in drivers.inputs]
    for row in drivers.inputs:
        bar = row.tornado
        assert row.sobol is not None
        expected = [bar.at_low, bar.at_high, bar.swing, row.spearman, row.prcc,
                    row.sobol.first, row.sobol.total]
        shown = drivers_page.values("sensitivity-inputs", row.input)
        assert len(shown) == len(expected)
        assert all(_same(v, e) for v, e in zip(shown, expected, strict=True)), row.input
        intervals = [attributes.get("data-interval") for attributes
                     in drivers_page.cell_attributes[("sensitivity-inputs", row.input)]
                     if attributes.get("data-interval")]
        assert intervals == [f"{row.sobol.first_interval[0]} {row.sobol.first_interval[1]}",
                             f"{row.sobol.total_interval[0]} {row.sobol.total_interval[1]}"]
        assert row.switching is not None
        shown = drivers_page.values("sensitivity-value", row.input)
        expected = [row.variance_share, row.evppi, row.switching.value]
        assert all(_same(v, e) for v, e in zip(shown, expected, strict=True)), row.input
        cells = drivers_page.rows[("sensitivity-value", row.input)]
        assert cells[1][0] == f"£{row.evppi:,.0f}"
        words = cells[-1][0]
        assert ("flips" in words) == (row.switching.value is not None)
    for group in drivers.groups:
        shown = drivers_page.values("sensitivity-groups", group.name)
        assert shown == [group.evppi, group.variance_share]
    evpi = re.search(r'<p id="evpi" data-value="([^"]+)"', drivers_html)
    assert evpi is not None
    assert float(evpi.group(1)) == drivers.evpi


def test_the_sensitivity_section_reads_in_plain_words(drivers_page, drivers):
    gate = drivers.input("ward.delivered")
    assert gate.switching is not None
    assert gate.switching.value is not None
    readings = " ".join(drivers_page.text)
    assert "On the mean the decision is to fund the bid" in readings
    assert (f"Learning whether ‘ward’ will be delivered before deciding is worth up to "
            f"£{gate.evppi:,.0f}; the decision flips if the chance that ‘ward’ is delivered "
            f"falls below {gate.switching.value:.2f}.") in readings
    assert f"(EVPI): £{drivers.evpi:,.0f}." in readings


def test_the_sensitivity_must_be_of_the_bid_appraised(result, bid):
    other = bpv.load(DIABETES)
    wrong = bpv.sensitivity(other, n_draws=500, rng=1, sobol_n=None, switching=False)
    with pytest.raises(bpv.SpecError, match="'sensitivity' parameter of report must be of the "
                                            "bid appraised, 'frailty-virtual-ward'"):
        bpv.report(result, bid=bid, sensitivity=wrong)
    with pytest.raises(bpv.SpecError, match="'sensitivity' parameter of report must be a "
                                            r"bpv\.Sensitivity"):
        bpv.report(result, bid=bid, sensitivity="drivers")  # type: ignore[arg-type]


def test_a_sensitivity_without_sobol_or_switching_says_so(result, bid):
    lean = bpv.sensitivity(bid, n_draws=N_DRAWS, rng=5, sobol_n=None, switching=False)
    page = Page(bpv.report(result, bid=bid, sensitivity=lean))
    row = page.rows[("sensitivity-inputs", lean.inputs[0].input)]
    assert len(row) == 6  # range, p10, p90, swing, Spearman, PRCC: no Sobol' columns
    assert page.rows[("sensitivity-value", lean.inputs[0].input)][2][0] == "not computed"
    assert "not computed" in " ".join(page.text)


# -- the comparison report ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bids():
    return [bpv.load(path) for path in (FRAILTY, DIABETES, PATHOLOGY)]


@pytest.fixture(scope="module")
def comparison(bids):
    return bpv.compare(bids, n_draws=N_DRAWS, rng=5)


@pytest.fixture(scope="module")
def comparison_html(comparison, bids):
    return bpv.report_comparison(comparison, bids=bids)


@pytest.fixture(scope="module")
def comparison_page(comparison_html):
    return Page(comparison_html)


def test_the_comparison_states_the_convention_first_and_has_every_option(
        comparison_page, comparison_html, comparison):
    assert comparison_page.headings["h1"] == ["Comparison of 3 bids against do nothing"]
    assert comparison_page.headings["h2"] == [
        "1. The options", "2. Increments over the baseline",
        "3. Each organisation and the natural units", "4. Which is best",
        "5. Cost-effectiveness", "6. Each bid on its own", "7. Monte Carlo", "8. Provenance"]
    convention = comparison_html.index('id="convention"')
    assert convention < comparison_html.index("<h2>")
    assert comparison.convention in comparison_html
    assert "option − do nothing</strong>" in comparison_html
    for table in ("options-table", "probability-best", "ranks"):
        assert comparison_page.keys(table) == list(comparison.options), table
    assert sorted(comparison_page.keys("frontier")) == sorted(comparison.options)
    assert comparison_page.keys("bid-headlines") == list(comparison.appraisals)


def test_the_comparison_page_is_self_contained(comparison_page, comparison_html):
    _assert_self_contained(comparison_page, comparison_html)
    assert comparison_page.count("img") == 3  # rank probabilities, CE plane, CEAC


def test_comparison_numbers_are_the_comparison_numbers(comparison_page, comparison):
    summary = comparison.summary().rows
    assert comparison_page.keys("incremental-table") == list(summary)
    for key, stats in summary.items():
        option, quantity = key.split(": Δ")
        share = float((comparison.incremental(option, quantity) > 0).mean())
        assert comparison_page.values("incremental-table", key) == [
            stats["mean"], stats["median"], stats["p5"], stats["p95"], share]
    columns = ["npv", *(f"nmb@{lam:g}" for lam in comparison.thresholds)]
    for option in comparison.options:
        assert comparison_page.values("probability-best", option) == [
            comparison.probability_best(q)[option] for q in columns]
        assert comparison_page.values("ranks", option) == comparison.ranks()[option]
    for quantity in columns:
        assert comparison_page.values("evpi", quantity) == [comparison.evpi(quantity)]
    for row in comparison.frontier():
        cells = comparison_page.rows[("frontier", row.option)]
        assert float(cells[0][1]) == row.cost
        assert float(cells[1][1]) == row.effect
        assert cells[2][0] == {"frontier": "On the frontier", "dominated": "Dominated",
                               "extendedly dominated": "Extendedly dominated"}[row.status]
        assert _same(float(cells[3][1]), row.icer)
    for option, appraisal in comparison.appraisals.items():
        npv = appraisal.summary().rows["npv"]
        shown = comparison_page.values("bid-headlines", option)
        assert shown[:4] == [npv["mean"], npv["p5"], npv["p95"],
                             appraisal.probability("npv", ">", 0)]


def test_each_organisation_and_metric_node_is_shown_with_the_comparisons_numbers(
        comparison_page, comparison_html, comparison):
    rows = comparison.by_organisation().rows
    assert comparison_page.keys("organisations-table") == list(rows)
    for key, stats in rows.items():
        option, organisation = key.split(": ")
        share = float((comparison.incremental_by_organisation(option, organisation) > 0).mean())
        assert comparison_page.values("organisations-table", key) == [
            stats["mean"], stats["p5"], stats["p95"], share]
    shown = {row for table, row in comparison_page.rows if table == "metric-nodes-table"}
    assert shown == set(comparison.appraisals)
    for appraisal in comparison.appraisals.values():
        for node_id in appraisal.metric_nodes:
            assert f'data-node="{node_id}"' in comparison_html
    # The example bids differ in horizon and price year: the page says so, once per pair.
    assert comparison.notices
    for notice in comparison.notices:
        assert escape(notice) in comparison_html


def test_the_comparison_says_where_its_numbers_came_from(comparison_page, comparison,
                                                           comparison_html):
    text = " ".join(comparison_page.text)
    assert f"{N_DRAWS:,}" in text
    assert "plain Monte Carlo (mc)" in text
    assert f"bpv.compare(bids, n_draws={N_DRAWS}, rng=5, method='mc')" in text
    assert f"--draws {N_DRAWS} --seed 5 --method mc -o comparison.html" in text
    for appraisal in comparison.appraisals.values():
        assert appraisal.bid_hash in comparison_html
    assert bpv.__version__ in comparison_html


def test_a_named_baseline_is_the_one_subtracted(bids):
    comparison = bpv.compare(bids[:2], baseline="frailty-virtual-ward", thresholds=[30_000],
                             n_draws=500, rng=2)
    html = bpv.report_comparison(comparison, bids=bids[:2])
    page = Page(html)
    text = " ".join(page.text)
    assert "option − frailty-virtual-ward</strong>" in html
    assert page.keys("options-table") == [
        "do nothing", "frailty-virtual-ward", "diabetes-prevention-south"]
    assert page.keys("incremental-table") == list(comparison.summary().rows)
    assert "baseline='frailty-virtual-ward', thresholds=(30000,)" in text
    assert "--baseline frailty-virtual-ward --threshold 30000" in text


def test_titles_in_the_comparison_are_shown_as_text(bids):
    text = Path(FRAILTY).read_text(encoding="utf-8").replace(
        "title: Frailty virtual ward, North Place", f'title: "Ward {SCRIPT} & <b>bold</b>"')
    hostile = [bpv.loads(text), bids[1]]
    html = bpv.report_comparison(bpv.compare(hostile, n_draws=200, rng=1), bids=hostile)
    assert "<script" not in html.lower()
    assert "<b>bold</b>" not in html
    # The title in the options table, the bids' headlines and the provenance.
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3
    page = Page(html)
    assert f"Ward {SCRIPT} & <b>bold</b>" in page.rows[("options-table",
                                                         "frailty-virtual-ward")][0][0]


def test_report_comparison_needs_the_bids_compared(comparison, bids, tmp_path):
    with pytest.raises(bpv.SpecError, match="'bids' parameter of report_comparison must be "
                                            "the list"):
        bpv.report_comparison(comparison)
    with pytest.raises(bpv.SpecError, match="it lacks 'pathology-network-west'"):
        bpv.report_comparison(comparison, bids=bids[:2])
    changed = bids[2].model_copy(update={"title": "Another title"})
    with pytest.raises(bpv.SpecError, match="must hold the bids that were compared"):
        bpv.report_comparison(comparison, bids=[*bids[:2], changed])
    with pytest.raises(bpv.SpecError, match="'comparison' parameter of report_comparison"):
        bpv.report_comparison("comparison", bids=bids)  # type: ignore[arg-type]
    path = tmp_path / "comparison.html"
    assert bpv.report_comparison(comparison, path, bids=bids) == path.read_text(
        encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.html"]



# -- the command line ----------------------------------------------------------------------


def test_cli_report_writes_the_file_and_prints_its_path(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", FRAILTY, "-o", str(out), "--draws", str(N_DRAWS), "--seed", "1",
                 "--method", "lhs", "--quiet"])
    assert code == 0
    assert capsys.readouterr().out == f"{out}\n"
    html = out.read_text(encoding="utf-8")
    assert "Latin hypercube sampling (lhs)" in html
    assert f"bpv report BID_FILE --draws {N_DRAWS} --seed 1 --method lhs" in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_cli_report_of_an_invalid_bid_lists_the_problems_and_writes_nothing(tmp_path):
    out = tmp_path / "report.html"
    completed = subprocess.run(
        [sys.executable, "-m", "bpv", "report", INVALID, "-o", str(out), "--draws", "100"],
        capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert f"{INVALID}:21: nodes[3].formula: unknown name 'admit_rte'" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""
    assert not any(tmp_path.iterdir())


def test_cli_report_to_a_missing_directory_says_so(tmp_path, capsys):
    out = tmp_path / "missing" / "report.html"
    assert main(["report", FRAILTY, "-o", str(out), "--draws", "100", "--quiet"]) == 1
    assert "no such directory" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_cli_report_with_sensitivity_adds_what_drives_value(tmp_path, capsys):
    out = tmp_path / "report.html"
    code = main(["report", FRAILTY, "-o", str(out), "--sensitivity", "--metric", "nmb",
                 "--sobol", "0", "--draws", str(N_DRAWS), "--seed", "1", "--quiet"])
    assert code == 0
    assert capsys.readouterr().out == f"{out}\n"
    page = Page(out.read_text(encoding="utf-8"))
    assert "6. What drives value" in page.headings["h2"]
    text = " ".join(page.text)
    assert "Net monetary benefit (nmb), the whole system" in text
    assert f"{N_DRAWS:,}: the appraisal's own draws" in text
    expected = bpv.sensitivity(bpv.load(FRAILTY), metric="nmb", n_draws=N_DRAWS, rng=1,
                               sobol_n=None)
    for row in expected.inputs:
        assert page.values("sensitivity-value", row.input)[1] == row.evppi
        assert len(page.rows[("sensitivity-inputs", row.input)]) == 6  # --sobol 0: no S1, ST
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_cli_report_of_several_files_compares_them(tmp_path, capsys):
    out = tmp_path / "comparison.html"
    code = main(["report", FRAILTY, DIABETES, "-o", str(out), "--baseline", "frailty-virtual-ward",
                 "--threshold", "30000", "--draws", str(N_DRAWS), "--seed", "1", "--quiet"])
    assert code == 0
    assert capsys.readouterr().out == f"{out}\n"
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert page.headings["h1"] == ["Comparison of 2 bids against frailty-virtual-ward"]
    assert "option − frailty-virtual-ward</strong>" in html
    bids = [bpv.load(FRAILTY), bpv.load(DIABETES)]
    comparison = bpv.compare(bids, baseline="frailty-virtual-ward", thresholds=[30_000],
                             n_draws=N_DRAWS, rng=1)
    assert page.values("evpi", "npv") == [comparison.evpi()]
    assert (f"bpv report BID_FILE ... --draws {N_DRAWS} --seed 1 --method mc --baseline "
            "frailty-virtual-ward --threshold 30000 -o comparison.html") in " ".join(page.text)


def test_cli_comparison_with_an_unknown_baseline_says_so_and_writes_nothing(tmp_path):
    out = tmp_path / "comparison.html"
    completed = subprocess.run(
        [sys.executable, "-m", "bpv", "report", FRAILTY, DIABETES, "-o", str(out),
         "--baseline", "frailty-virtual-wrd", "--draws", "100"],
        capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert completed.stderr == ("bpv report: baseline 'frailty-virtual-wrd' is not one of the "
                                "options (did you mean 'frailty-virtual-ward'?)\n")
    assert completed.stdout == ""
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("arguments", "message"), [
    ([FRAILTY, "--baseline", "x"], "--baseline and --threshold compare bids"),
    ([FRAILTY, "--threshold", "30000"], "--baseline and --threshold compare bids"),
    ([FRAILTY, DIABETES, "--sensitivity"], "--sensitivity and --sobol are for one bid"),
    ([FRAILTY, "--metric", "nmb"], "--metric and --sobol with one file need --sensitivity"),
])
def test_cli_report_options_that_do_not_fit_are_refused_in_one_line(arguments, message,
                                                                    tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", *arguments, "-o", str(out), "--draws", "100"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bpv report: {message}")
    assert err.count("\n") == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("arguments", "message"), [
    ([FRAILTY, "--sensitivity", "--metric", "nbm"], f"{FRAILTY}: no metric 'nbm'"),
    ([FRAILTY, DIABETES, "--threshold", "-1"],
     "bpv report: The 'thresholds' parameter of compare must be a float in the range [0, inf)"),
    ([FRAILTY, FRAILTY], "bpv report: two options have the id 'frailty-virtual-ward'"),
    ([FRAILTY, INVALID], f"{INVALID}:21: nodes[3].formula: unknown name 'admit_rte'"),
])
def test_cli_report_bad_input_is_one_line_and_no_file(arguments, message, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", *arguments, "-o", str(out), "--draws", "200", "--sobol", "0"]
                if "--sensitivity" in arguments else
                ["report", *arguments, "-o", str(out), "--draws", "200"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_cli_comparison_to_a_missing_directory_says_so(tmp_path, capsys):
    out = tmp_path / "missing" / "comparison.html"
    assert main(["report", FRAILTY, DIABETES, "-o", str(out), "--draws", "100"]) == 1
    assert "no such directory" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.mark.parametrize(("pages", "heading"), [("html", "Hypotheses register"),
                                                ("drivers_html", "What drives value"),
                                                ("comparison_html", "Which is best")])
def test_chromium_renders_the_report_without_errors(pages, heading, request, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    import matplotlib.image

    html = request.getfixturevalue(pages)
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    screenshot = tmp_path / "report.png"
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    shot = subprocess.run([*common, f"--screenshot={screenshot}", "--window-size=1200,2000",
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    assert shot.returncode == 0, shot.stderr
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr
    assert heading in dom.stdout
    for stderr in (shot.stderr, dom.stderr):
        assert "CONSOLE" not in stderr, stderr
        assert "Uncaught" not in stderr, stderr
        assert "net::ERR" not in stderr, stderr
    pixels = matplotlib.image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert pixels.std() > 0.05
    assert (pixels < 0.99).any(axis=2).mean() > 0.05  # not a blank page
    masthead = pixels[40, 600]  # the blue band behind the title: the style sheet applied
    assert masthead[2] > 0.6
    assert masthead[0] < 0.2


# -- one table of metric labels, used by text, reports and plots --------------------------------


def test_every_metric_is_labelled_once_and_text_and_report_agree(html, result, bid):
    from bpv._utils.formatting import METRIC_LABELS, metric_label
    from bpv.engine.ledger import METRICS, ORGANISATION_METRICS
    from bpv.reporting.text import appraisal_text

    assert set(METRICS) | set(ORGANISATION_METRICS) <= set(METRIC_LABELS)
    text = appraisal_text(bid, result)
    page_text = " ".join(Page(html).text)
    for metric in result.metrics:
        entry = METRIC_LABELS[metric]
        assert f"\n{metric_label(metric)} " in text
        assert metric_label(metric, "report") in page_text
        if entry.unit is not None and entry.form != "money":
            # A unit the report does not write into the numbers is in both labels, alike.
            assert f"({entry.unit})" in metric_label(metric)
            assert f"({entry.unit})" in metric_label(metric, "report")
    # Periods are financial years: the payback period is in years everywhere.
    assert "Payback period (years)" in text
    assert "Payback period (years)" in page_text
    assert "(periods)" not in text


def test_scenario_and_sensitivity_labels_come_from_the_same_table():
    from bpv._utils.formatting import metric_label
    from bpv.analysis.scenario_table import SCENARIO_METRICS

    assert dict(SCENARIO_METRICS) == {metric: metric_label(metric) for metric in SCENARIO_METRICS}
    assert metric_label("nmb@30000", "short") == "NMB at £30,000 per QALY"
    assert metric_label("admissions_avoided", "report") == "admissions_avoided"


# -- one rendering convention ---------------------------------------------------------------


def test_every_result_has_a_summary_plain_data_json_and_text(result, comparison, drivers):
    import json

    from bpv.engine.results import Rendered, Summary

    table = bpv.scenarios(bpv.load(PATHOLOGY), n_draws=500, rng=1)
    results = [result, result.organisation("acute"), result.cash_flow(),
               result.metric_node("admissions_avoided"), comparison, drivers, table]
    for item in results:
        assert isinstance(item, Rendered | type(table)), type(item).__name__
        summary = item.summary()
        assert isinstance(summary, Summary)
        assert summary.summary() is summary
        assert json.loads(item.to_json()) == json.loads(json.dumps(item.to_dict()))
        assert json.loads(summary.to_json()) == summary.to_dict()
        assert str(item).strip()
    for item in results[1:4]:  # the smaller results read as their tables
        assert str(item) == str(item.summary())
        assert item.to_dict() == item.summary().to_dict()
    # A scenario table's text is fuller than its summary: a block per metric, the changes.
    assert str(table).startswith(table.summary().title)
    assert json.loads(table.to_json())["bid"] == table.bid_id


# -- the bid's assumptions under test: stress tests, correlations, adjustments -------------------


@pytest.fixture(scope="module")
def pathology_pages():
    """The pathology bid (scenarios, optimism bias) with its stress tests and drivers."""
    bid = bpv.load(PATHOLOGY)
    result = bpv.appraise(bid, n_draws=N_DRAWS, rng=4)
    stress = bpv.scenarios(bid, n_draws=N_DRAWS, rng=4)
    drivers = bpv.sensitivity(bid, n_draws=N_DRAWS, rng=4, sobol_n=256)
    return bid, result, stress, bpv.report(result, bid=bid, scenarios=stress, sensitivity=drivers)


def test_stress_tests_show_each_scenarios_change_on_the_same_draws(pathology_pages):
    bid, _, stress, html = pathology_pages
    page = Page(html)
    assert "6. Stress tests" in page.headings["h2"]
    assert page.keys("scenario-table") == list(stress.names)
    for name in stress.names:
        npv, positive = stress.rows[name]["npv"], stress.rows[name]["P(npv > 0)"]
        values = page.values("scenario-table", name)
        if name == "base":
            assert values == [npv["mean"], positive["mean"], stress.rows[name]["qalys"]["mean"]]
        else:
            assert values[:4] == [npv["mean"], npv["change"], positive["mean"],
                                  positive["change"]]
            assert float(stress.change(name, "npv").mean()) == pytest.approx(npv["change"])
    for scenario in bid.scenarios.values():
        assert escape(scenario.description) in html


def test_a_scenario_table_of_another_bid_is_refused(pathology_pages, result, bid):
    _, _, stress, _ = pathology_pages
    with pytest.raises(bpv.SpecError, match="ScenarioTable of the bid reported"):
        bpv.report(result, bid=bid, scenarios=stress)


def test_adjustments_are_stated_and_none_says_none(pathology_pages, html):
    _, result, _, pathology_html = pathology_pages
    statements = [a["statement"] for a in result.provenance["adjustments"]]
    assert statements  # optimism bias on capital and on delivery time
    for statement in statements:
        assert f'<th scope="row">Adjustment</th><td>{escape(statement)}</td>' in pathology_html
    assert '<th scope="row">Adjustments</th><td>none</td>' in html  # the frailty bid has none


def test_costs_have_no_chance_of_being_positive(page):
    cells = page.rows[("headline-table", "cost_pv")]
    assert cells[-2][0] == ""  # no "P(> 0)" label
    assert cells[-1][0] == ""
    assert page.rows[("headline-table", "npv")][-2][0] == "P(> 0)"


def test_correlations_the_bid_declares_are_listed_as_the_engine_uses_them():
    text = Path(FRAILTY).read_text(encoding="utf-8")
    bid = bpv.loads(text + "\ncorrelations:\n  pairs:\n"
                    "    - {between: [admit_rate, referrals], rho: -0.4}\n")
    result = bpv.appraise(bid, n_draws=500, rng=1)
    page = Page(bpv.report(result, bid=bid))
    assert page.keys("correlations") == ["admit_rate|referrals"]
    assert page.values("correlations", "admit_rate|referrals") == [-0.4]


def test_no_caption_promises_what_the_report_does_not_show(html):
    assert "Delivery is tracked against it" not in html


def _overflowing_tables(html: str, tmp_path: Path) -> list[str]:
    """Tables wider than the page's text column at 1024 px, measured in Chromium's layout."""
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    # A probe added to a copy of the page (the report itself has no scripts): it writes the
    # tables that end right of <main>'s content box into an attribute of <body>.
    probe = """<script>
    window.addEventListener('load', () => {
      const main = document.querySelector('main');
      const edge = main.getBoundingClientRect().right
                   - parseFloat(getComputedStyle(main).paddingRight);
      const wide = [...document.querySelectorAll('table')]
        .filter(t => t.getBoundingClientRect().right > edge + 0.5)
        .map(t => t.id || t.className);
      document.body.setAttribute('data-overflow', wide.join(' ') || '-');
    });
    </script>"""
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1024,3000",
                          "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'data-overflow="([^"]*)"', dom.stdout)
    assert found, dom.stderr
    return [name for name in found.group(1).split() if name != "-"]


@pytest.mark.parametrize("pages", ["pathology_pages", "comparison_html", "html"])
def test_no_table_runs_off_the_page_at_1024_pixels(pages, request, tmp_path):
    html = request.getfixturevalue(pages)
    html = html[-1] if isinstance(html, tuple) else html
    assert _overflowing_tables(html, tmp_path) == []

"""The HTML report: sections, self-contained, escaped, right numbers; the CLI; a real browser."""

from __future__ import annotations

import base64
import importlib
import math
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import bpv
from bpv.cli import main

FRAILTY = "examples/bids/frailty_virtual_ward.yaml"
INVALID = "tests/data/invalid/unknown_reference.yaml"
N_DRAWS = 2_000
SECTIONS = ["1. The bid", "2. Headline results", "3. Logic model", "4. Hypotheses register",
            "5. Organisations", "6. Figures", "7. Monte Carlo", "8. Provenance"]
SCRIPT = "<script>alert(1)</script>"
# The module that makes the report (bpv.report is its function).
report_module = importlib.import_module("bpv.html_report")


class Page(HTMLParser):
    """What a test needs of a page: headings, tables, images, links, and cells with values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": []}
        self.rows: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (table, key) -> cells
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
            key = (attributes.get("data-metric") or attributes.get("data-organisation")
                   or attributes.get("data-parameter"))
            self._row = (self._table or "", key) if key else None
            if self._row:
                self.rows[self._row] = []
        elif tag == "td" and self._row is not None:
            self._cell, self._cell_value = [], attributes.get("data-value") or ""

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


def test_the_template_is_autoescaped():
    environment = report_module._environment()
    assert environment.autoescape(report_module.TEMPLATE) is True
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


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def test_chromium_renders_the_report_without_errors(html, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    import matplotlib.image

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
    assert "Hypotheses register" in dom.stdout
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

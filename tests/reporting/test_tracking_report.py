"""The delivery report: what it shows is the tracking's own numbers, escaped, self-contained."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import bpv
from bpv.reporting.html_tracking import report_tracking

ROOT = Path(__file__).resolve().parents[2]
AS_AT = "2026-12-07"


class Rows(HTMLParser):
    """The rows of one table by their data-rag, the page's h2 headings and its img sources."""

    def __init__(self, html: str, table: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table, self.inside, self.rags, self.headings, self.images = table, False, [], [], []
        self._h2 = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.inside = attributes.get("id") == self.table
        elif tag == "tr" and self.inside and attributes.get("data-rag"):
            self.rags.append(attributes["data-rag"])
        elif tag == "h2":
            self._h2 = True
            self.headings.append("")
        elif tag == "img":
            self.images.append(attributes.get("src") or "")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif tag == "h2":
            self._h2 = False

    def handle_data(self, data):
        if self._h2:
            self.headings[-1] += data


def tracked(name, title=None):
    bid = bpv.load(ROOT / "examples" / "bids" / f"{name}.yaml")
    if title is not None:
        data = bid.to_dict()
        data["title"] = title
        bid = bpv.loads(json.dumps(data), format="json")
    result = bpv.appraise(bid, n_draws=5_000, rng=2025, keep_flows=True, keep_inputs=True,
                          progress=False)
    return bpv.track(result, ROOT / "examples" / "tracking" / f"{name}_actuals.csv", bid=bid,
                     as_at=AS_AT)


@pytest.fixture(scope="module")
def diabetes():
    tracking = tracked("diabetes_prevention")
    update = tracking.reforecast(rng=1)
    return tracking, update, report_tracking(tracking, reforecast=update)


def test_every_actual_is_a_row_with_its_rag(diabetes):
    tracking, _, html = diabetes
    page = Rows(html, "actuals-table")
    assert page.rags == [row.rag for row in tracking.status().rows]


def test_the_sections_follow_the_reforecast(diabetes):
    tracking, update, html = diabetes
    headings = Rows(html, "").headings
    assert [re.sub(r"^\d+\. ", "", text) for text in headings] == [
        "Delivery against plan", "Each series: plan and actuals", "Every actual",
        "The forecast, updated", "Which hypotheses the actuals test",
        "Replaying these numbers"]
    assert update.hypotheses[0].statement in html
    without = report_tracking(tracking)
    assert "The forecast, updated" not in without


def test_the_page_is_self_contained(diabetes):
    _, _, html = diabetes
    images = Rows(html, "").images
    assert images
    assert all(src.startswith("data:image/svg+xml;base64,") for src in images)
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html


def test_text_from_the_bid_is_escaped():
    tracking = tracked("frailty_virtual_ward", title="<script>alert(1)</script> & ward")
    html = report_tracking(tracking)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ward" in html


def test_a_reforecast_of_another_bid_is_refused(diabetes):
    _, update, _ = diabetes
    with pytest.raises(bpv.SpecError, match="re-forecast is of bid"):
        report_tracking(tracked("frailty_virtual_ward"), reforecast=update)


def test_chromium_renders_the_delivery_report(diabetes, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    import matplotlib.image

    page = tmp_path / "tracking.html"
    page.write_text(diabetes[2], encoding="utf-8")
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    screenshot = tmp_path / "tracking.png"
    shot = subprocess.run([*common, f"--screenshot={screenshot}", "--window-size=1024,3000",
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    assert shot.returncode == 0, shot.stderr
    assert "CONSOLE" not in shot.stderr
    assert "net::ERR" not in shot.stderr
    pixels = matplotlib.image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (3000, 1024)
    assert (pixels < 0.99).any(axis=2).mean() > 0.05  # not a blank page
    # Nothing overflows the page at 1024 px: the right-most column of pixels is background.
    assert (pixels[:, -4:] > 0.97).all() or (pixels[200:, -4:] > 0.97).all()

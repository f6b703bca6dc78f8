"""The documentation stays true: its bid parses, and its links lead somewhere.

See docs/design/architecture.md, "Conventions": the documentation is tested.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "examples" / "README.md",
                *(ROOT / "docs").rglob("*.md")])
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_howto_bid_is_valid_and_draws_no_advice():
    text = (ROOT / "docs" / "howto.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(id: .*?)^```", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    bid = bpv.loads(blocks[0], source="docs/howto.md")
    assert bid.id == "falls-prevention"
    assert bpv.lint(bid) == []


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_lead_to_files_and_headings_that_exist(page):
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        missing_anchor = bool(anchor) and resolved.suffix == ".md" and resolved.exists() \
            and anchor not in _anchors(resolved)
        if not resolved.exists() or missing_anchor:
            broken.append(target)
    assert broken == []

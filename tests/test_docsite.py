"""The documentation cites what a reader can open, and the site's contents list every page.

The site itself is built by ``.ci/run`` with warnings as errors (docs/README.md, "Build
the documentation site"); these checks are the quick part of it, without Sphinx.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Everything a user reads: pages, notebooks, docstrings, templates, examples.
READ = sorted({*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*"),
               *(ROOT / "notebooks").glob("*.ipynb"), *(ROOT / "bpv").rglob("*.py"),
               *(ROOT / "bpv").rglob("*.j2"), ROOT / "conf.py", ROOT / "pyproject.toml"}
              - set((ROOT / "docs" / "api").rglob("*")))
READ = [path for path in READ if path.is_file() and path.suffix in
        {".md", ".ipynb", ".py", ".j2", ".toml", ".yaml", ".yml", ".csv", ".txt"}]

_SPEC_7 = "https://scientific-python.org/specs/spec-0007/"
#: Files a reader of the repository does not have, and names that only make sense beside
#: them. Each is replaced by the published source it stood for.
_OUTSIDE = [
    (re.compile(r"\b(DESIGN|STYLE)(\.md)?\b"), "a design or style file outside the repository"),
    (re.compile(r"domain[ _-]notes", re.IGNORECASE), "notes outside the repository"),
    (re.compile(r"\.\./shared\b|/work/\w|\bshared/reference\b"), "a path outside the repository"),
    # SPEC 7 only as a link to it: in markdown, or in reST in a docstring.
    (re.compile(r"SPEC[ -]?0*7\b(?!\]\(" + re.escape(_SPEC_7) + r"\)|\s+<" + re.escape(_SPEC_7)
                + r">`_)"), f"SPEC 7 without its address, {_SPEC_7}"),
]


def outside_references(text: str) -> list[str]:
    """Return what ``text`` cites that a reader of the repository cannot open."""
    return [f"{match.group()!r}: {why}" for pattern, why in _OUTSIDE
            for match in pattern.finditer(text)]


def test_the_check_finds_each_kind_of_outside_reference():
    assert outside_references("see DESIGN.md and STYLE") != []
    assert len(outside_references("see the domain notes, ../shared/x")) == 2
    assert outside_references("a seed (SPEC 7)") != []
    assert outside_references(f"`SPEC 7 <{_SPEC_7}>`_ and [SPEC 7]({_SPEC_7})") == []
    assert outside_references("a design note, the house style sheet, SPECTRA 7") == []


@pytest.mark.parametrize("path", READ, ids=[str(path.relative_to(ROOT)) for path in READ])
def test_nothing_cites_a_file_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":  # the cells, not the notebook's JSON
        text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
    assert outside_references(text) == []


def _toctree_entries(index: Path) -> set[Path]:
    """The files the toctrees of the site's front page list, globs expanded."""
    found: set[Path] = set()
    for block in re.findall(r"^```\{toctree\}\n(.*?)^```", index.read_text(encoding="utf-8"),
                            re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            if not line.strip() or line.startswith(":"):
                continue
            entry = re.sub(r"^.*<(.+)>$", r"\1", line.strip())  # "Title <path>"
            matches = [path for path in index.parent.glob(entry + ".*")
                       if path.suffix in {".md", ".ipynb"}] if "*" in entry else \
                [path for suffix in (".md", ".ipynb")
                 if (path := index.parent / (entry + suffix)).exists()]
            found |= {path.resolve() for path in matches}
    return found


def test_the_site_lists_every_page_in_its_table_of_contents():
    # conf.py's include_patterns: these are the site's pages; Sphinx would also stop on
    # one left out, but only in the slow build.
    pages = {*(ROOT / "docs").rglob("*.md"), *(ROOT / "notebooks").glob("*.ipynb"),
             ROOT / "README.md", *(ROOT / "examples").rglob("README.md")}
    index = ROOT / "docs" / "index.md"
    listed = _toctree_entries(index) | {index.resolve()}
    assert sorted(str(p.relative_to(ROOT)) for p in pages if p.resolve() not in listed) == []

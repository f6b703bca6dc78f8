"""The documentation stays true: its bid parses, its links lead somewhere, its paths import.

See docs/design/architecture.md, "Conventions": the documentation is tested.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bpv

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", ROOT / "examples" / "README.md",
                *(ROOT / "docs").rglob("*.md")])
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
#: A dotted path into the package, such as bpv.analysis.evppi.evppi; not part of a
#: web address (https://bpv.readthedocs.io) or of a longer name.
_DOTTED = re.compile(r"(?<![\w./-])bpv(?:\.[A-Za-z_]\w*)+")
#: Packages docs/design/architecture.md plans before they exist; each leaves when it lands.
_PLANNED = ("bpv.portfolio",)


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


def _resolves(path: str) -> bool:
    """Whether a dotted path names something: its longest importable prefix, then attributes."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_dotted_paths_resolve():
    assert _resolves("bpv.analysis.evppi.evppi")
    assert _resolves("bpv.engine.evaluate")
    assert not _resolves("bpv.evppi.evppi")
    assert not _resolves("bpv.engine.no_such_name")
    assert not [m.group() for m in _DOTTED.finditer('see "https://bpv.readthedocs.io/x"')]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_dotted_bpv_path_on_the_page_resolves(page):
    # Code blocks included: `bpv.analysis.sobol.sobol_indices` must import as written.
    paths = {match.group() for match in _DOTTED.finditer(page.read_text(encoding="utf-8"))}
    unresolved = sorted(path for path in paths
                        if not path.startswith(_PLANNED) and not _resolves(path))
    assert unresolved == []


#: Pages whose command transcripts are run and compared here: a ```bash block of one
#: ``bpv`` command followed by a ```text block of what it prints (the text may stop early,
#: before the conventions printed at the end). Every page joins as its transcripts are
#: regenerated.
_TRANSCRIBED = ("docs/compare.md", "docs/programme-office.md", "docs/scenarios.md",
                "docs/sensitivity.md")
_TRANSCRIPT = re.compile(r"```bash\n(bpv [^\n]+)\n```\s*\n```text\n(?!\$ )(.*?)```", re.DOTALL)


def _transcripts() -> list[tuple[str, str, str]]:
    found = []
    for name in _TRANSCRIBED:
        text = (ROOT / name).read_text(encoding="utf-8")
        found += [(name, command, printed) for command, printed in _TRANSCRIPT.findall(text)]
    return found


@pytest.mark.parametrize(("page", "command", "printed"), _transcripts(),
                         ids=lambda value: value if value.endswith(".md") else "")
def test_command_transcripts_in_the_docs_are_what_bpv_prints(page, command, printed):
    # Through bash, as a reader types it (globs expand), with this Python's bpv first.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT,
                         timeout=600, check=False, env={**os.environ, "PATH": path})
    assert run.returncode == 0, run.stderr
    expected = printed.rstrip("\n").splitlines()
    assert run.stdout.splitlines()[:len(expected)] == expected, (
        f"{page}: `{command}` prints something else now; paste its output again")

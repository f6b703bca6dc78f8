"""Mutation fuzz of the example bids: every wrong value is a located problem, never a crash.

Each example bid is read, then mutated a few times at random places: a key
dropped or renamed, an item duplicated, a value swapped for a mapping, a list,
text, a boolean, nothing, an extreme number or a deeper nesting. Whatever the
mutation, :func:`bpv.loads` returns a bid or raises
:class:`bpv.BidValidationError`; any other exception is a bug in bpv (the
command line's exit 70). A few mutated files also go through ``bpv validate``
in a subprocess, which must exit 0 or 1.
"""

from __future__ import annotations

import datetime
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bpv

ROOT = Path(__file__).resolve().parents[2]
BIDS = sorted((ROOT / "examples" / "bids").glob("*.yaml"))
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in BIDS}
DOCS = {name: yaml.safe_load(text) for name, text in TEXTS.items()}

Path_ = tuple[Any, ...]

_EXTREMES = [0, -1, 1, -0.0, 1e308, -1e308, 1e-308, 5e-324, 10**30, -(10**30), 2**63, 2**64 + 1,
             math.nan, math.inf, -math.inf, 0.5, 1.5, 300, 301, 1899, 2301]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(_EXTREMES),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["", "2400", "1e3", "nan", "yes", "on", "input", "activity", "fixed",
                     "normal", "beta", "pert", "icb", "base", "≈½ ünïcödé 🏥", "a" * 300,
                     "x + y", "max(", "t", "success", "capital", "revenue"]),
    st.just(datetime.date(2025, 4, 1)),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["dist", "value", "low", "high", "mode", "mean", "sd",
                                         "id", "kind", "x", "by", "scale", "replace", "delay",
                                         "changes", "values", "probs"]), inner, max_size=3),
    ),
    max_leaves=6,
)

_ACTIONS = ("replace", "drop", "duplicate", "wrap_list", "wrap_mapping", "rename", "add_key")


def _paths(doc: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path to a value of the document, the root included."""
    paths = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            paths += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            paths += _paths(value, (*prefix, index))
    return paths


def _copy(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {key: _copy(value) for key, value in doc.items()}
    if isinstance(doc, list):
        return [_copy(value) for value in doc]
    return doc


def _mutate(doc: Any, path: Path_, action: str, value: Any) -> Any:
    """Return the document with one mutation at ``path`` (the root is never dropped)."""
    if not path:
        return value if action == "replace" else doc
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    old = parent[last] if isinstance(parent, list) else parent.get(last)
    if action == "replace":
        parent[last] = value
    elif action == "drop" and (isinstance(parent, list) or last in parent):
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, _copy(old))
    elif action == "wrap_list":
        parent[last] = [old]
    elif action == "wrap_mapping":
        parent[last] = {str(last): old}
    elif action == "rename" and isinstance(parent, dict):
        del parent[last]
        parent[f"{last}_x"] = old
    elif action == "add_key" and isinstance(old, dict):
        old["extra"] = value
    else:
        parent[last] = value
    return doc


@st.composite
def mutated_bids(draw: st.DrawFn) -> str:
    """The YAML text of an example bid after one to three random mutations."""
    doc = _copy(DOCS[draw(st.sampled_from(sorted(DOCS)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = paths[draw(st.integers(0, len(paths) - 1))]
        doc = _mutate(doc, path, draw(st.sampled_from(_ACTIONS)), draw(_VALUES))
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@st.composite
def edited_texts(draw: st.DrawFn) -> str:
    """The text of an example bid with lines duplicated (duplicate keys) or dropped."""
    lines = TEXTS[draw(st.sampled_from(sorted(TEXTS)))].splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            lines.insert(index, lines[index])
        else:
            del lines[index]
    return "\n".join(lines) + "\n"


def _read(text: str) -> None:
    """Read the text; a bid or a BidValidationError are both fine, anything else is a bug."""
    problems: list[bpv.Problem] = []
    try:
        bid = bpv.loads(text)
    except bpv.BidValidationError as exc:
        problems = list(exc.problems)
        message = str(exc)
    else:
        assert isinstance(bid, bpv.Bid)
        return
    assert problems, "a BidValidationError names its problems"
    assert message


_FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_FUZZ
@given(mutated_bids())
def test_a_mutated_bid_is_read_or_refused_with_located_problems(text):
    _read(text)


@_FUZZ
@given(edited_texts())
def test_a_bid_with_lines_duplicated_or_dropped_is_read_or_refused(text):
    _read(text)


# Mutations that used to end in an internal error, kept as plain cases.
_KNOWN = [
    ("nodes", 0, "kind", {"a": 1}),
    ("nodes", 0, "kind", ["input"]),
    ("nodes", 0, "id", {"a": 1}),
    ("nodes", 0, "organisation", ["icb"]),
    ("nodes", 0, "success", ["p"]),
    ("nodes", 0, "success", {"a": 1}),
    ("nodes", 0, "depends_on", [{"a": 1}]),
    ("organisations", 0, "id", {"a": 1}),
    ("horizon", {"a": 1}),
    ("horizon", math.nan),
    ("horizon", 10**30),
]


@pytest.mark.parametrize("mutation", _KNOWN, ids=lambda m: ".".join(map(str, m[:-1])))
@pytest.mark.parametrize("name", sorted(DOCS))
def test_known_crashing_mutations_are_located_problems(name, mutation):
    doc = _copy(DOCS[name])
    path, value = mutation[:-1], mutation[-1]
    _read(yaml.safe_dump(_mutate(doc, path, "replace", value), sort_keys=False))


def test_every_node_field_swapped_for_each_shape_is_a_located_problem():
    shapes = [{"a": 1}, [1], ["x"], "text", True, None, math.nan, -1, 10**30]
    for name, doc in DOCS.items():
        for index, node in enumerate(doc["nodes"]):
            for key in node:
                for shape in shapes:
                    mutated = _mutate(_copy(doc), ("nodes", index, key), "replace", shape)
                    _read(yaml.safe_dump(mutated, sort_keys=False))
        for scenario, body in (doc.get("scenarios") or {}).items():
            for index, change in enumerate(body["changes"]):
                for key in change:
                    for shape in shapes:
                        path = ("scenarios", scenario, "changes", index, key)
                        mutated = _mutate(_copy(doc), path, "replace", shape)
                        _read(yaml.safe_dump(mutated, sort_keys=False))
        del name


@pytest.mark.parametrize("seed", range(4))
def test_bpv_validate_on_a_mutated_file_exits_0_or_1(tmp_path, seed):
    text = _seeded(seed)
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bpv", "validate", str(path)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    assert "internal error" not in run.stdout + run.stderr


def _seeded(seed: int) -> str:
    """A mutated bid that is the same on every run: a shape swapped deep in each example."""
    name = sorted(DOCS)[seed % len(DOCS)]
    doc = _copy(DOCS[name])
    shapes = [{"kind": {"a": 1}}, [[1, 2]], "on", math.nan]
    doc = _mutate(doc, ("nodes", seed % len(doc["nodes"]), "kind"), "replace", shapes[seed])
    doc = _mutate(doc, ("horizon",), "replace", [seed])
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

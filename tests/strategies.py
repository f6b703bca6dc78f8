"""Shared hypothesis strategies: distributions, parameters and whole valid bids."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

from bpv.spec.node import KINDS, MEASURES_BY_KIND, MONEY_MEASURES

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
unit_open = st.floats(min_value=0.01, max_value=0.99)
words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
    max_size=40,
)


@st.composite
def ordered(draw: Any, n: int = 2, low: float = -1e5, high: float = 1e5) -> list[float]:
    """n strictly increasing, well separated floats."""
    values = sorted(draw(st.lists(st.floats(low, high), min_size=n, max_size=n, unique=True)))
    if any(b - a < 1e-6 * max(1.0, abs(a), abs(b)) for a, b in itertools.pairwise(values)):
        values = [low + (high - low) * (i + 1) / (n + 1) for i in range(n)]
    return values


@st.composite
def distributions(draw: Any) -> dict[str, Any]:
    """A valid distribution in the flat file form."""
    kind = draw(st.sampled_from([
        "normal", "lognormal", "beta", "gamma", "pert", "triangular", "uniform", "bernoulli",
        "fixed", "discrete", "interval",
    ]))
    if kind == "normal":
        return {"dist": "normal", "mean": draw(finite), "sd": draw(positive)}
    if kind == "lognormal":
        median = draw(positive)
        return {"dist": "lognormal", "median": median, "p95": median * draw(st.floats(1.1, 10))}
    if kind == "beta":
        mean = draw(unit_open)
        sd = draw(st.floats(0.01, 0.9)) * (mean * (1 - mean)) ** 0.5
        return {"dist": "beta", "mean": mean, "sd": sd}
    if kind == "gamma":
        return {"dist": "gamma", "shape": draw(positive), "scale": draw(positive)}
    if kind in {"pert", "triangular"}:
        low, mode, high = draw(ordered(3))
        return {"dist": kind, "low": low, "mode": mode, "high": high}
    if kind == "uniform":
        low, high = draw(ordered(2))
        return {"dist": "uniform", "low": low, "high": high}
    if kind == "bernoulli":
        return {"dist": "bernoulli", "p": draw(st.floats(0, 1))}
    if kind == "fixed":
        return {"dist": "fixed", "value": draw(finite)}
    if kind == "discrete":
        values = draw(st.lists(finite, min_size=1, max_size=5, unique=True))
        weights = draw(st.lists(st.floats(0.1, 10), min_size=len(values), max_size=len(values)))
        return {"dist": "discrete", "values": values, "weights": weights}
    low = draw(st.floats(0.05, 0.4))
    return {"dist": "interval", "low": low, "high": low + draw(st.floats(0.05, 0.5)),
            "confidence": draw(st.floats(0.5, 0.98)), "shape": "beta"}


@st.composite
def parameters(draw: Any) -> Any:
    """A parameter: a distribution with optional hypothesis metadata, or a bare number."""
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(finite)
    spec = draw(distributions())
    if draw(st.booleans()):
        spec["hypothesis"] = draw(words)
        spec["evidence"] = draw(st.sampled_from(
            ["very_weak", "weak", "moderate", "strong", "very_strong"]))
    if draw(st.booleans()):
        spec["source"] = draw(words)
        spec["sms"] = draw(st.integers(1, 5))
    return spec


@st.composite
def bids(draw: Any) -> dict[str, Any]:
    """A valid bid in plain-data form: a random logic model that respects every rule."""
    n_organisations = draw(st.integers(1, 3))
    organisations = [{"id": f"org{i}", "name": draw(words),
                      "role": draw(st.sampled_from(["commissioner", "provider", "other"]))}
                     for i in range(n_organisations)]
    n_parameters = draw(st.integers(1, 5))
    params = {f"p{i}": draw(parameters()) for i in range(n_parameters)}
    horizon = draw(st.integers(1, 12))
    nodes: list[dict[str, Any]] = []
    # An input and an activity first, so every later node can trace back.
    nodes.append({"id": "spend", "kind": "input", "formula": "p0", "measure": "cost",
                  "cost_type": draw(st.sampled_from(["capital", "revenue"])),
                  "organisation": "org0"})
    nodes.append({"id": "deliver", "kind": "activity", "success": draw(st.floats(0, 1)),
                  "start": draw(st.integers(0, horizon - 1)), "ramp": draw(st.integers(0, 4))})
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(KINDS[2:]))
        rank = KINDS.index(kind)
        upstream = [n["id"] for n in nodes if KINDS.index(n["kind"]) <= rank]
        used = draw(st.lists(st.sampled_from(upstream), min_size=1, max_size=3, unique=True))
        used += draw(st.lists(st.sampled_from(sorted(params)), max_size=2, unique=True))
        operator = draw(st.sampled_from([" * ", " + ", " - "]))
        node: dict[str, Any] = {"id": f"n{i}", "kind": kind, "formula": operator.join(used)}
        measure = draw(st.sampled_from([None, *MEASURES_BY_KIND[kind]]))
        if measure is not None:
            node["measure"] = measure
            if measure == "cost":
                node["cost_type"] = "revenue"
            if measure in MONEY_MEASURES:
                node["organisation"] = draw(st.sampled_from([o["id"] for o in organisations]))
        if draw(st.booleans()):
            node["unit"] = draw(words)
        nodes.append(node)
    draw(st.randoms()).shuffle(nodes)
    bid: dict[str, Any] = {
        "id": "generated-bid",
        "title": draw(words),
        "start_year": draw(st.integers(2000, 2100)),
        "horizon": horizon,
        "organisations": organisations,
        "parameters": params,
        "nodes": nodes,
    }
    if draw(st.booleans()):
        bid["settings"] = {"discount_rate": draw(st.floats(0, 0.1)),
                           "qaly_value": draw(st.floats(0, 1e5))}
    if draw(st.booleans()):
        bid["description"] = draw(words)
    return bid

"""The compiled kernel's draws (bpv.sampling.compiled): numpy's draws to the bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpv
from bpv.sampling.compiled import CompiledSampler
from bpv.sampling.draws import inverse_cdf, sample
from bpv.spec.distributions import (
    Bernoulli,
    Beta,
    Discrete,
    Distribution,
    Fixed,
    Gamma,
    Interval,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]


def _draw_both(specs: dict[str, Distribution], n: int, seed: int) -> tuple[
        CompiledSampler, np.ndarray, dict[str, np.ndarray], dict[str, Any], dict[str, Any]]:
    """Draw ``n`` values of each spec with the sampler and with :func:`sample`."""
    targets = {name: i for i, name in enumerate(specs)}
    sampler = CompiledSampler.for_parameters(specs, targets)
    compiled_generators = {name: np.random.default_rng([seed, i]) for i, name in enumerate(specs)}
    numpy_generators = {name: np.random.default_rng([seed, i]) for i, name in enumerate(specs)}
    out = np.full((len(specs), n), -1.0)
    sampler.draw(compiled_generators, np.empty((len(sampler.names), n)), out)
    expected = {name: sample(specs[name], numpy_generators[name], n) for name in sampler.names}
    return sampler, out, expected, compiled_generators, numpy_generators


_unit = st.floats(0.05, 0.95)
_specs = st.one_of(
    st.builds(lambda a, b: Beta(a=a, b=b), st.floats(0.3, 40), st.floats(0.3, 40)),
    st.builds(lambda low, width, at: Pert(low=low, mode=low + at * width, high=low + width),
              st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), _unit),
    st.builds(lambda shape, scale: Gamma(shape=shape, scale=scale),
              st.floats(0.3, 50), st.floats(1e-3, 1e4)),
    st.builds(lambda low, width, at: Triangular(low=low, mode=low + at * width,
                                                high=low + width),
              st.floats(-1e6, 1e6), st.floats(1e-3, 1e6), st.sampled_from([0.0, 0.3, 1.0])),
    st.builds(lambda low, width: Uniform(low=low, high=low + width),
              st.floats(-1e6, 1e6), st.floats(1e-3, 1e6)),
    st.builds(lambda p: Bernoulli(p=p), st.floats(0, 1)),
    st.builds(lambda mean, sd: Normal(mean=mean, sd=sd), st.floats(-1e6, 1e6),
              st.floats(1e-6, 1e4)),
    st.builds(lambda mu, sigma: LogNormal(mu=mu, sigma=sigma), st.floats(-10, 10),
              st.floats(0.01, 2)),
)


@settings(max_examples=60, deadline=None)
@given(specs=st.lists(_specs, min_size=1, max_size=5), seed=st.integers(0, 2**32 - 1))
def test_draws_are_those_of_numpy_to_the_bit(specs: list[Distribution], seed: int) -> None:
    named = {f"p{i}": spec for i, spec in enumerate(specs)}
    sampler, out, expected, compiled_generators, numpy_generators = _draw_both(named, 3_000,
                                                                                seed)
    assert sampler.names == tuple(named)  # every kind here has a compiled transform
    for i, name in enumerate(named):
        np.testing.assert_array_equal(out[i], expected[name], err_msg=repr(named[name]))
        # and the generator is left where numpy leaves it: the next draws agree too
        assert compiled_generators[name].random() == numpy_generators[name].random()


def test_judgements_fitted_to_a_kind_are_drawn_as_that_kind() -> None:
    specs: dict[str, Distribution] = {
        "share": Interval(low=0.2, high=0.4, shape="beta"),
        "cost": Interval(low=100, high=300, shape="lognormal"),
        "count": Interval(low=10, high=30, shape="gamma"),
    }
    sampler, out, expected, _, _ = _draw_both(specs, 5_000, 11)
    assert sampler.names == tuple(specs)
    for i, name in enumerate(specs):
        np.testing.assert_array_equal(out[i], expected[name])


def test_kinds_without_a_transform_are_left_to_numpy() -> None:
    specs: dict[str, Distribution] = {"a": Discrete(values=[1, 2]), "b": Fixed(value=3.0),
                                      "c": Beta(a=2, b=3)}
    sampler = CompiledSampler.for_parameters(specs, {"a": 0, "b": 1, "c": 2})
    assert sampler.names == ("c",)
    assert sampler.targets.tolist() == [2]


class _Given:
    """Stands in for a generator whose uniforms are given."""

    def __init__(self, u: np.ndarray) -> None:
        self.u = u

    def random(self, out: np.ndarray) -> None:
        out[:] = self.u


@pytest.mark.parametrize("spec", [Beta(a=0.5, b=3.0), Pert(low=1, mode=2, high=9),
                                  Gamma(shape=0.7, scale=3.0)], ids=repr)
def test_values_beyond_the_table_are_computed_exactly_as_numpy_computes_them(
        spec: Distribution) -> None:
    # q = min(u, 1 - u) below 2**-40 is outside the table, in either tail
    u = np.array([0.0, 2.0**-60, 2.0**-41, 2.0**-40, 0.3, 0.5, 0.7, 1 - 2.0**-41,
                  1 - 2.0**-52])
    sampler = CompiledSampler.for_parameters({"x": spec}, {"x": 0})
    out = np.empty((1, u.size))
    sampler.draw({"x": _Given(u)}, np.empty((1, u.size)), out)  # type: ignore[dict-item]
    np.testing.assert_array_equal(out[0], inverse_cdf(spec)(u))
    assert np.isfinite(out).all()


def test_an_appraisal_draws_the_same_inputs_with_either_kernel_over_several_blocks() -> None:
    bid = bpv.load(ROOT / "benchmarks" / "representative_bid.yaml")
    runs = {kernel: bpv.appraise(bid, n_draws=70_000, rng=3, kernel=kernel, keep_inputs=True)
            for kernel in ("numpy", "compiled")}
    numpy_inputs, compiled_inputs = runs["numpy"].inputs, runs["compiled"].inputs
    assert numpy_inputs is not None
    assert compiled_inputs is not None
    assert set(numpy_inputs) == set(compiled_inputs)
    for name, values in numpy_inputs.items():
        np.testing.assert_array_equal(compiled_inputs[name], values, err_msg=name)

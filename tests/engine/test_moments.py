"""Streaming moments against numpy on the finite values, whatever the split and the gaps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpv.engine.moments import Moments

finite_or_not = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([np.inf, -np.inf, np.nan]),
)


def _expected(row):
    finite = row[np.isfinite(row)]
    if finite.size == 0:
        return 0, np.nan, 0.0
    return finite.size, finite.mean(), float(((finite - finite.mean()) ** 2).sum())


@settings(max_examples=200, deadline=None)
@given(rows=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 40)),
                       elements=finite_or_not),
       overwrite=st.booleans())
def test_moments_of_rows_are_those_of_the_finite_values(rows, overwrite):
    original = rows.copy()
    moments = Moments.of_rows(rows, overwrite=overwrite)
    for index, row in enumerate(original):
        count, mean, m2 = _expected(row)
        assert moments.count[index] == count
        np.testing.assert_allclose(moments.mean[index], mean, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(moments.m2[index], m2, rtol=1e-7, atol=1e-3)
    if not overwrite:
        np.testing.assert_array_equal(rows, original)


@settings(max_examples=100, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(2, 60), elements=finite_or_not),
       cut=st.integers(0, 60))
def test_merging_two_parts_gives_the_moments_of_the_whole(values, cut):
    cut = min(cut, values.size)
    whole = Moments.of(values)
    merged = Moments.of(values[:cut]).merge(Moments.of(values[cut:]))
    assert merged.count == whole.count
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(merged.m2, whole.m2, rtol=1e-7, atol=1e-3)

"""Gaussian copula (bpv.sampling.copula): nearest correlation, correlating, uniforms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special, stats

from bpv._utils.linalg import EIGENVALUE_FLOOR, nearest_correlation, smallest_eigenvalue
from bpv.errors import BPVWarning, SpecError
from bpv.sampling.copula import correlate_normals, to_normal, to_uniform

HIGHAM_A = np.array([[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 2, -1], [0, 0, -1, 2]], float)
#: Higham (2002), section 4: the nearest correlation matrix to HIGHAM_A.
HIGHAM_X = np.array([
    [1.0000, -0.8084, 0.1916, 0.1068],
    [-0.8084, 1.0000, -0.6562, 0.1916],
    [0.1916, -0.6562, 1.0000, -0.8084],
    [0.1068, 0.1916, -0.8084, 1.0000],
])
NOT_PD = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])


def is_correlation_matrix(matrix: np.ndarray) -> bool:
    return bool(
        np.array_equal(matrix, matrix.T)
        and np.all(np.diag(matrix) == 1.0)
        and smallest_eigenvalue(matrix) >= EIGENVALUE_FLOOR
    )


def clip_repair(matrix: np.ndarray) -> np.ndarray:
    """The simple repair: clip negative eigenvalues to zero, rescale to a unit diagonal."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    clipped = (vectors * np.maximum(values, 0)) @ vectors.T
    scale = np.sqrt(np.diag(clipped))
    return clipped / np.outer(scale, scale)


# -- nearest_correlation ----------------------------------------------------------------


def test_higham_example():
    result = nearest_correlation(HIGHAM_A)
    np.testing.assert_allclose(result, HIGHAM_X, atol=5e-5)
    assert is_correlation_matrix(result)


def test_not_positive_definite_example():
    result = nearest_correlation(NOT_PD)
    assert smallest_eigenvalue(NOT_PD) < 0
    assert is_correlation_matrix(result)
    np.linalg.cholesky(result)
    assert np.linalg.norm(result - NOT_PD) <= np.linalg.norm(clip_repair(NOT_PD) - NOT_PD) + 1e-6


def test_strictly_nearer_than_clipping_when_the_diagonal_matters():
    result = nearest_correlation(HIGHAM_A)
    target = HIGHAM_A.copy()
    np.fill_diagonal(target, 1.0)
    assert np.linalg.norm(result - target) < np.linalg.norm(clip_repair(target) - target) - 1e-3


def test_input_is_not_changed_and_output_is_new():
    matrix = NOT_PD.copy()
    matrix.setflags(write=False)
    nearest_correlation(matrix)
    valid = np.array([[1.0, 0.2], [0.2, 1.0]])
    result = nearest_correlation(valid)
    np.testing.assert_array_equal(result, valid)
    assert result is not valid


def test_non_symmetric_input_uses_its_symmetric_part():
    a = np.array([[1.0, 0.9, -0.5], [0.7, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    np.testing.assert_array_equal(nearest_correlation(a), nearest_correlation((a + a.T) / 2))


def test_small_and_empty():
    np.testing.assert_array_equal(nearest_correlation([[3.0]]), [[1.0]])
    assert nearest_correlation(np.zeros((0, 0))).shape == (0, 0)


def test_floor_is_honoured():
    result = nearest_correlation(NOT_PD, eigenvalue_floor=0.05)
    assert smallest_eigenvalue(result) >= 0.05
    assert np.all(np.diag(result) == 1.0)


def test_warns_when_not_converged():
    with pytest.warns(BPVWarning, match=r"did not converge to tol=1e-10 in 1 iterations; the "
                                        r"result is a valid correlation matrix"):
        result = nearest_correlation(HIGHAM_A, max_iterations=1)
    assert is_correlation_matrix(result)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones((2, 3)),), {}, r"'matrix' parameter of nearest_correlation must be a square "
                                 r"matrix\. Got shape \(2, 3\)"),
        ((np.ones(3),), {}, r"must be a square matrix"),
        (([[1, np.nan], [0, 1]],), {}, r"must be a matrix of finite numbers"),
        ((NOT_PD,), {"tol": 0}, r"'tol' parameter .* range \(0, 1\)\. Got 0"),
        ((NOT_PD,), {"max_iterations": 0}, r"'max_iterations' parameter .* Got 0"),
        ((NOT_PD,), {"eigenvalue_floor": 0.0}, r"'eigenvalue_floor' parameter .* Got 0\.0"),
    ],
)
def test_nearest_correlation_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(SpecError, match=match):
        nearest_correlation(*args, **kwargs)


@st.composite
def unit_diagonal_symmetric(draw, max_size: int = 8) -> np.ndarray:
    """A random symmetric matrix with unit diagonal and entries in [-1, 1]."""
    k = draw(st.integers(min_value=2, max_value=max_size))
    a = draw(hnp.arrays(np.float64, (k, k), elements=st.floats(-1, 1)))
    a = np.triu(a, 1)
    return a + a.T + np.eye(k)


@st.composite
def valid_correlations(draw, max_size: int = 8) -> np.ndarray:
    """A random valid correlation matrix (normalised Gram matrix of random vectors)."""
    k = draw(st.integers(min_value=2, max_value=max_size))
    # Off-diagonal parts below 0.4 in size keep every vector's own axis dominant,
    # so the vectors are independent and none is zero.
    vectors = draw(hnp.arrays(np.float64, (k, k + 2), elements=st.floats(-0.4, 0.4)))
    vectors = vectors + np.eye(k, k + 2)
    gram = vectors @ vectors.T
    scale = np.sqrt(np.diag(gram))
    matrix = gram / np.outer(scale, scale)
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 1.0)
    return matrix


@settings(max_examples=150, deadline=None)
@given(matrix=unit_diagonal_symmetric())
def test_repair_is_always_a_valid_correlation_matrix(matrix):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = nearest_correlation(matrix)
    assert is_correlation_matrix(result)
    np.linalg.cholesky(result)
    assert np.all(np.abs(result) <= 1)
    # Nearest: no farther than the simple eigenvalue-clipping repair.
    assert np.linalg.norm(result - matrix) <= np.linalg.norm(clip_repair(matrix) - matrix) + 1e-6
    np.testing.assert_array_equal(nearest_correlation(result), result)


@settings(max_examples=100, deadline=None)
@given(matrix=valid_correlations())
def test_valid_matrices_are_left_alone(matrix):
    if smallest_eigenvalue(matrix) >= EIGENVALUE_FLOOR:
        np.testing.assert_array_equal(nearest_correlation(matrix), matrix)


# -- correlate_normals and to_uniform ---------------------------------------------------

TARGET = np.array([
    [1.0, 0.6, -0.3],
    [0.6, 1.0, 0.2],
    [-0.3, 0.2, 1.0],
])


@pytest.fixture(scope="module")
def correlated() -> np.ndarray:
    z = np.random.default_rng(20250601).standard_normal((200_000, 3))
    return correlate_normals(z, TARGET)


def test_pearson_correlation_reproduced(correlated):
    np.testing.assert_allclose(np.corrcoef(correlated.T), TARGET, atol=0.01)
    np.testing.assert_allclose(correlated.mean(axis=0), 0, atol=0.01)
    np.testing.assert_allclose(correlated.std(axis=0), 1, atol=0.01)


def test_spearman_correlation_of_uniforms(correlated):
    u = to_uniform(correlated)
    assert np.all((u > 0) & (u < 1))
    spearman = stats.spearmanr(u).statistic
    expected = 6 / np.pi * np.arcsin(TARGET / 2)
    np.testing.assert_allclose(spearman, expected, atol=0.01)
    # Each column is uniform.
    for column in u.T:
        assert stats.kstest(column, "uniform").pvalue > 1e-3


def test_correlate_normals_is_row_wise_and_pure():
    z = np.random.default_rng(5).standard_normal((1000, 3))
    z.setflags(write=False)
    whole = correlate_normals(z, TARGET)
    parts = np.vstack([correlate_normals(z[:400], TARGET), correlate_normals(z[400:], TARGET)])
    np.testing.assert_allclose(whole, parts, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(correlate_normals(z, TARGET), whole)


def test_identity_leaves_scores_alone():
    z = np.random.default_rng(1).standard_normal((10, 4))
    np.testing.assert_array_equal(correlate_normals(z, np.eye(4)), z)


@pytest.mark.parametrize(
    ("z", "matrix", "match"),
    [
        (np.zeros((5, 2)), TARGET, r"'z' parameter of correlate_normals must be an array "
                                   r"of shape \(n_draws, 3\).*Got shape \(5, 2\)"),
        (np.zeros(3), TARGET, r"Got shape \(3,\)"),
        (np.zeros((5, 3)), TARGET[:, :2], r"'matrix' parameter of correlate_normals must be a "
                                          r"square matrix"),
        (np.zeros((5, 2)), np.array([[2.0, 0.1], [0.1, 1.0]]),
         r"must be a correlation matrix, with a diagonal of 1"),
        (np.zeros((5, 3)), NOT_PD, r"must be positive definite \(repair it with "
                                   r"nearest_correlation\)\. Got a matrix with smallest "
                                   r"eigenvalue -0\.8 instead"),
    ],
)
def test_correlate_normals_rejects_bad_arguments(z, matrix, match):
    with pytest.raises(SpecError, match=match):
        correlate_normals(z, matrix)


def test_to_uniform_is_the_normal_cdf():
    z = np.linspace(-6, 6, 25).reshape(5, 5)
    np.testing.assert_allclose(to_uniform(z), stats.norm.cdf(z), rtol=1e-14)
    assert to_uniform(np.array(0.0)) == 0.5
    assert to_uniform(np.array([-math.inf, math.inf])).tolist() == [0.0, 1.0]


def test_to_normal_is_the_inverse_normal_cdf_and_undoes_to_uniform():
    u = np.linspace(0.001, 0.999, 25).reshape(5, 5)
    np.testing.assert_allclose(to_normal(u), stats.norm.ppf(u), rtol=1e-14)
    np.testing.assert_allclose(to_uniform(to_normal(u)), u, rtol=1e-14)
    assert to_normal(np.array(0.5)) == 0.0
    assert to_normal(np.array([0.0, 1.0])).tolist() == [-math.inf, math.inf]


def test_the_engine_copula_is_these_functions_to_the_bit():
    # The engine draws correlated parameters as clip(to_uniform(correlate_normals(z, R)))
    # of independent normal scores: the same numbers as the Cholesky product by hand.
    rng = np.random.default_rng(3)
    z = rng.standard_normal((1_000, 3))
    by_hand = special.ndtr(z @ np.linalg.cholesky(TARGET).T)
    assert np.array_equal(to_uniform(correlate_normals(z, TARGET)), by_hand)

"""Correlations between parameters (bpv.spec.correlations)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pydantic
import pytest

from bpv._utils.linalg import EIGENVALUE_FLOOR, nearest_correlation, smallest_eigenvalue
from bpv.spec.correlations import CorrelationPair, Correlations

NOT_PD = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]


def pair(a: str, b: str, rho: float) -> dict[str, Any]:
    return {"between": [a, b], "rho": rho}


# -- the two forms ----------------------------------------------------------------------


def test_pairs_become_a_matrix_in_first_mention_order():
    spec = Correlations(pairs=[pair("admit_rate", "admission_reduction", 0.3),
                               pair("tariff", "admit_rate", -0.2),
                               pair("marginal_share", "tariff", 0.1)])
    names, matrix = spec.to_matrix()
    assert names == ["admit_rate", "admission_reduction", "tariff", "marginal_share"]
    expected = np.array([
        [1.0, 0.3, -0.2, 0.0],
        [0.3, 1.0, 0.0, 0.0],
        [-0.2, 0.0, 1.0, 0.1],
        [0.0, 0.0, 0.1, 1.0],
    ])
    np.testing.assert_array_equal(matrix, expected)


def test_matrix_form():
    rows = [[1.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 1.0]]
    spec = Correlations(parameters=["a", "b", "c"], matrix=rows)
    names, matrix = spec.to_matrix()
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(matrix, rows)
    assert spec.repair is False


def test_tiny_asymmetry_is_accepted_and_removed():
    rows = [[1.0, 0.3], [0.3 + 1e-13, 1.0]]
    _, matrix = Correlations(parameters=["a", "b"], matrix=rows).to_matrix()
    assert matrix[0, 1] == matrix[1, 0]


def test_to_matrix_returns_a_fresh_array():
    spec = Correlations(pairs=[pair("a", "b", 0.5)])
    spec.to_matrix()[1][0, 1] = 0.9
    assert spec.to_matrix()[1][0, 1] == 0.5


def test_spec_is_frozen_and_round_trips():
    spec = Correlations(pairs=[pair("a", "b", 0.5)], repair=True)
    with pytest.raises(pydantic.ValidationError):
        spec.repair = False  # type: ignore[misc]
    again = Correlations.model_validate(json.loads(spec.model_dump_json()))
    assert again == spec


def test_name_locations():
    spec = Correlations(parameters=["a", "b"], matrix=[[1, 0.2], [0.2, 1]])
    assert spec.name_locations() == [(("parameters", 0), "a"), (("parameters", 1), "b")]
    spec = Correlations(pairs=[pair("a", "b", 0.1), pair("c", "a", 0.1)])
    assert [name for _, name in spec.name_locations()] == ["a", "b", "c", "a"]
    assert spec.name_locations()[2][0] == ("pairs", 1, "between", 0)


def test_pair_model():
    assert CorrelationPair(between=("a", "b"), rho=-1).rho == -1
    assert CorrelationPair(between=("a", "b"), rho=1).between == ("a", "b")


# -- rejections -------------------------------------------------------------------------

REJECTED: list[tuple[dict[str, Any], str]] = [
    ({}, r"no correlations are given; expected either pairs: .* or parameters: .* with "
         r"matrix: .*, or remove the correlations key"),
    ({"pairs": [pair("a", "b", 0.3)], "parameters": ["a", "b"], "matrix": [[1, 0], [0, 1]]},
     r"correlations are given both as pairs and as parameters and matrix; .*keep one form"),
    ({"pairs": [pair("a", "b", 0.3)], "matrix": [[1, 0], [0, 1]]},
     r"given both as pairs and as matrix"),
    ({"parameters": ["a", "b"]}, r"parameters are given without a matrix; add matrix"),
    ({"matrix": [[1, 0], [0, 1]]}, r"a matrix is given without parameters; add parameters"),
    ({"pairs": []}, r"pairs\n  pairs is empty; give at least one pair"),
    ({"pairs": [pair("a", "b", 0.3), pair("b", "a", 0.2)]},
     r"pairs\.1\.between\n  the pair \(b, a\) is given twice \(first at pairs\[0\]\); keep one"),
    ({"pairs": [pair("a", "a", 0.3)]},
     r"pairs\.0\.between\n  a pair needs two different parameters, got 'a' twice; name two "
     r"parameters, or remove the pair"),
    ({"pairs": [pair("a", "b", 1.3)]},
     r"pairs\.0\.rho\n  rho is 1\.3, but a correlation lies between -1 and 1; give a value in "
     r"that range"),
    ({"pairs": [pair("a", "b", float("nan"))]}, r"pairs\.0\.rho\n  should be a finite number"),
    ({"pairs": [{"between": ["a", "b", "c"], "rho": 0.5}]}, r"pairs\.0\.between\n  tuple "),
    ({"pairs": [pair("a", "2b", 0.5)]},
     r"pairs\.0\.between\.1\n  '2b' is not a valid name"),
    ({"pairs": [{"between": ["a", "b"], "r": 0.5}]},
     r"unknown key 'r'; expected one of: between, rho"),
    ({"pairs": [pair("a", "b", 0.3)], "rpair": True},
     r"unknown key 'rpair' \(did you mean 'repair' or 'pairs'\?\)"),
    ({"parameters": ["a"], "matrix": [[1]]},
     r"parameters\n  a correlation needs at least two parameters, got 1; name two or more"),
    ({"parameters": ["a", "a", "b"], "matrix": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]},
     r"parameters\.1\n  'a' is listed twice \(first at parameters\[0\]\); list each parameter "
     r"once"),
    ({"parameters": ["a", "b", "c"], "matrix": [[1, 0], [0, 1]]},
     r"matrix\n  the matrix has 2 rows, but parameters names 3; expected a 3 × 3 matrix"),
    ({"parameters": ["a", "b"], "matrix": [[1, 0, 0], [0, 1]]},
     r"matrix\.0\n  row 0 has 3 entries; expected 2, one per parameter"),
    ({"parameters": ["a", "b"], "matrix": [[0.9, 0.2], [0.2, 1]]},
     r"matrix\.0\.0\n  the diagonal must be 1 \(the correlation of a with itself\), got 0\.9; "
     r"set it to 1"),
    ({"parameters": ["a", "b"], "matrix": [[1, 0.2], [0.3, 1]]},
     r"matrix\.0\.1\n  matrix\[0\]\[1\] is 0\.2 but matrix\[1\]\[0\] is 0\.3; a correlation "
     r"matrix is symmetric, make them equal"),
    ({"parameters": ["a", "b"], "matrix": [[1, 2], [2, 1]]},
     r"matrix\.0\.1\n  2 is not a correlation; expected a value between -1 and 1"),
    ({"parameters": ["a", "b"], "matrix": [[1, float("inf")], [0, 1]]},
     r"matrix\.0\.1\n  should be a finite number"),
    ({"parameters": ["a", "b", "c"], "matrix": NOT_PD},
     r"matrix\n  the correlation matrix is not positive definite \(smallest eigenvalue -0\.8\); "
     r"correlations this strong cannot hold together; lower them or set repair: true to use "
     r"the nearest valid matrix"),
    ({"pairs": [pair("a", "b", 0.9), pair("b", "c", 0.9), pair("a", "c", -0.9)]},
     r"pairs\n  the correlation matrix is not positive definite \(smallest eigenvalue -0\.8\)"),
    ({"pairs": [pair("a", "b", 1.0)]},
     r"pairs\n  the correlation matrix is singular \(smallest eigenvalue 0, below 0\.00000001\): "
     r"some parameters are perfectly correlated \(rho of 1 or -1\)"),
]


@pytest.mark.parametrize(("data", "match"), REJECTED)
def test_rejections(data, match):
    with pytest.raises(pydantic.ValidationError, match=match):
        Correlations(**data)


def test_every_problem_is_reported_at_once():
    with pytest.raises(pydantic.ValidationError) as info:
        Correlations(parameters=["a", "b", "c"],
                     matrix=[[0.5, 2, 0], [2, 1, 0.3], [0, 0.1, 1]])
    locations = [error["loc"] for error in info.value.errors()]
    assert locations == [("matrix", 0, 0), ("matrix", 0, 1), ("matrix", 1, 0), ("matrix", 1, 2)]
    assert all(error["type"] == "bpv" for error in info.value.errors())


def test_repair_does_not_excuse_other_problems():
    with pytest.raises(pydantic.ValidationError, match="is not a correlation"):
        Correlations(parameters=["a", "b"], matrix=[[1, 1.5], [1.5, 1]], repair=True)


# -- repair -----------------------------------------------------------------------------


def test_repair_gives_a_valid_matrix_close_to_the_input():
    names, matrix = Correlations(parameters=["a", "b", "c"], matrix=NOT_PD,
                                 repair=True).to_matrix()
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 1.0)
    assert smallest_eigenvalue(matrix) >= EIGENVALUE_FLOOR
    np.linalg.cholesky(matrix)
    # No farther than the simple repair: clip the eigenvalues, rescale to unit diagonal.
    values, vectors = np.linalg.eigh(np.array(NOT_PD))
    clipped = (vectors * np.maximum(values, 0)) @ vectors.T
    scale = np.sqrt(np.diag(clipped))
    clipped = clipped / np.outer(scale, scale)
    assert np.linalg.norm(matrix - NOT_PD) <= np.linalg.norm(clipped - NOT_PD) + 1e-6
    np.testing.assert_allclose(matrix, [[1, 0.5, -0.5], [0.5, 1, 0.5], [-0.5, 0.5, 1]],
                               atol=1e-6)


def test_repair_of_pairs_and_of_a_perfect_correlation():
    spec = Correlations(pairs=[pair("a", "b", 1.0)], repair=True)
    _, matrix = spec.to_matrix()
    np.linalg.cholesky(matrix)
    assert matrix[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert matrix[0, 1] < 1


def test_repair_leaves_a_valid_matrix_unchanged():
    rows = [[1.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 1.0]]
    _, matrix = Correlations(parameters=["a", "b", "c"], matrix=rows, repair=True).to_matrix()
    np.testing.assert_array_equal(matrix, rows)


def test_repair_matches_nearest_correlation():
    _, matrix = Correlations(parameters=["a", "b", "c"], matrix=NOT_PD,
                             repair=True).to_matrix()
    np.testing.assert_array_equal(matrix, nearest_correlation(NOT_PD))

"""Correlations between parameters: the ``correlations:`` key of a bid.

Parameters are independent unless said otherwise. A bid states correlations
in one of two forms, pairwise::

    correlations:
      pairs:
        - {between: [admit_rate, admission_reduction], rho: 0.3}
        - {between: [tariff, marginal_share], rho: -0.2}

or as a whole matrix, rows and columns in the order of ``parameters``::

    correlations:
      parameters: [admit_rate, admission_reduction, tariff]
      matrix:
        - [1.0, 0.3, 0.0]
        - [0.3, 1.0, 0.1]
        - [0.0, 0.1, 1.0]

Correlations are on the normal-score scale of a Gaussian copula (see
:mod:`bpv.sampling.copula`): each parameter keeps its distribution exactly,
and ρ is the correlation of the normal scores behind the draws. The rank
(Spearman) correlation of the parameters is then (6/π) asin(ρ/2), a little
smaller in magnitude.

Correlations must be able to hold together: the matrix must be positive
definite. One that is not is an error, unless ``repair: true`` asks for the
nearest valid matrix (Higham 2002) to be used instead.

Whether the names are parameters of the bid is checked by the bid, which
knows them; everything else is checked here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import field_validator, model_validator

from bpv._utils.formatting import significant
from bpv._utils.linalg import EIGENVALUE_FLOOR, nearest_correlation, smallest_eigenvalue
from bpv.spec._base import Float, Spec, raise_problems, spec_error
from bpv.spec._names import Name

__all__ = ["CorrelationPair", "Correlations"]

#: Largest difference allowed between matrix[i][j] and matrix[j][i], and
#: between a diagonal entry and 1.
_SYMMETRY_TOLERANCE = 1e-12

_Location = tuple[str | int, ...]
_Problem = tuple[_Location, str, Any]


class CorrelationPair(Spec):
    """The correlation of two parameters' normal scores.

    Parameters
    ----------
    between : (str, str)
        The two parameters, distinct; their order does not matter.
    rho : float
        Correlation of their normal scores (Gaussian copula), in [−1, 1].

    Examples
    --------
    >>> CorrelationPair(between=("admit_rate", "admission_reduction"), rho=0.3).rho
    0.3
    >>> CorrelationPair(between=("tariff", "tariff"), rho=0.3)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for CorrelationPair
    between
      a pair needs two different parameters, got 'tariff' twice; name two parameters, or remove the pair [type=bpv, input_value=('tariff', 'tariff'), input_type=tuple]
    """  # noqa: E501

    between: tuple[Name, Name]
    rho: Float

    @field_validator("between")
    @classmethod
    def _distinct(cls, between: tuple[str, str]) -> tuple[str, str]:
        if between[0] == between[1]:
            msg = (f"a pair needs two different parameters, got '{between[0]}' twice; "
                   f"name two parameters, or remove the pair")
            raise spec_error(msg)
        return between

    @field_validator("rho")
    @classmethod
    def _in_range(cls, rho: float) -> float:
        if not -1 <= rho <= 1:
            msg = (f"rho is {rho:g}, but a correlation lies between -1 and 1; "
                   f"give a value in that range")
            raise spec_error(msg)
        return rho


class Correlations(Spec):
    """Correlations between a bid's parameters, on the normal-score scale.

    Give exactly one of the two forms: ``pairs``, or ``parameters`` with
    ``matrix``. The correlations are those of a Gaussian copula: ρ is the
    Pearson correlation of the standard normal scores from which the
    parameters are drawn by their inverse CDFs, so every parameter keeps its
    own distribution. Pairs not given are uncorrelated.

    Parameters
    ----------
    pairs : list of CorrelationPair, optional
        Pairwise correlations, each pair at most once (in either order).
    parameters : list of str, optional
        The parameters the matrix is about, in the order of its rows; at
        least two, each once.
    matrix : list of list of float, optional
        The correlation matrix, square with one row per parameter,
        symmetric (to 1e-12), with a unit diagonal and entries in [−1, 1].
    repair : bool, default False
        If the correlations cannot hold together (the matrix is not
        positive definite), use the nearest valid correlation matrix
        (Higham 2002) instead of rejecting the bid.

    Raises
    ------
    pydantic.ValidationError
        Listing every problem: both forms or neither, an empty or duplicate
        pair, a pair of a parameter with itself, a parameter listed twice, a
        matrix of the wrong shape, asymmetric, with a diagonal other than 1
        or an entry outside [−1, 1], and — unless ``repair`` — a matrix that
        is not positive definite (smallest eigenvalue below 1e-8).

    See Also
    --------
    bpv._utils.linalg.nearest_correlation : The repair.
    bpv.sampling.copula.correlate_normals : How the correlations are applied.

    Examples
    --------
    >>> spec = Correlations(pairs=[
    ...     {"between": ["admit_rate", "admission_reduction"], "rho": 0.3},
    ...     {"between": ["tariff", "admit_rate"], "rho": -0.2},
    ... ])
    >>> names, matrix = spec.to_matrix()
    >>> names
    ['admit_rate', 'admission_reduction', 'tariff']
    >>> matrix
    array([[ 1. ,  0.3, -0.2],
           [ 0.3,  1. ,  0. ],
           [-0.2,  0. ,  1. ]])

    Correlations that cannot hold together are rejected, or repaired on request:

    >>> bad = {"parameters": ["a", "b", "c"],
    ...        "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}
    >>> Correlations(**bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Correlations
    matrix
      the correlation matrix is not positive definite (smallest eigenvalue -0.8); correlations this strong cannot hold together; lower them or set repair: true to use the nearest valid matrix [type=bpv, ...]
    >>> Correlations(**bad, repair=True).to_matrix()[1].round(3)
    array([[ 1. ,  0.5, -0.5],
           [ 0.5,  1. ,  0.5],
           [-0.5,  0.5,  1. ]])
    """  # noqa: E501

    pairs: tuple[CorrelationPair, ...] | None = None
    parameters: tuple[Name, ...] | None = None
    matrix: tuple[tuple[Float, ...], ...] | None = None
    repair: bool = False

    @model_validator(mode="after")
    def _check(self) -> Correlations:
        """Check the form, the names and the matrix, and report every problem at once."""
        problems = self._form_problems()
        if not problems and self.pairs is not None:
            problems = self._pair_problems()
        elif not problems:
            problems = self._matrix_problems()
        if not problems and not self.repair:
            location: _Location = ("pairs",) if self.pairs is not None else ("matrix",)
            problem = _definiteness_problem(self._stated_matrix()[1])
            if problem:
                problems = [(location, problem, None)]
        raise_problems("Correlations", problems)
        return self

    # -- what the engine uses -----------------------------------------------------------

    def to_matrix(self) -> tuple[list[str], NDArray[np.float64]]:
        """Return the parameter names and their full correlation matrix.

        Returns
        -------
        names : list of str
            The parameters, in order of first mention (the order of
            ``parameters`` in the matrix form).
        matrix : ndarray of shape (len(names), len(names))
            Exactly symmetric with a unit diagonal; pairs not given are 0.
            With ``repair``, the nearest valid correlation matrix (the
            stated one when it is valid already). A new array on each call.
        """
        names, matrix = self._stated_matrix()
        if self.repair:
            matrix = nearest_correlation(matrix)
        return names, matrix

    def name_locations(self) -> list[tuple[_Location, str]]:
        """Return every parameter name mentioned, with where it is, in order.

        For the bid to check that each is one of its parameters and say where
        one is not.

        Examples
        --------
        >>> Correlations(pairs=[{"between": ["a", "b"], "rho": 0.1}]).name_locations()
        [(('pairs', 0, 'between', 0), 'a'), (('pairs', 0, 'between', 1), 'b')]
        """
        if self.pairs is not None:
            return [
                (("pairs", i, "between", j), name)
                for i, pair in enumerate(self.pairs)
                for j, name in enumerate(pair.between)
            ]
        return [(("parameters", i), name) for i, name in enumerate(self.parameters or ())]

    # -- checks -------------------------------------------------------------------------

    def _stated_matrix(self) -> tuple[list[str], NDArray[np.float64]]:
        """Return the names and the matrix as stated, made exactly symmetric."""
        if self.pairs is not None:
            names = list(dict.fromkeys(name for pair in self.pairs for name in pair.between))
            index = {name: i for i, name in enumerate(names)}
            matrix = np.eye(len(names))
            for pair in self.pairs:
                i, j = index[pair.between[0]], index[pair.between[1]]
                matrix[i, j] = matrix[j, i] = pair.rho
            return names, matrix
        stated = np.array(self.matrix, dtype=np.float64)
        matrix = (stated + stated.T) / 2
        np.fill_diagonal(matrix, 1.0)
        return list(self.parameters or ()), matrix

    def _form_problems(self) -> list[_Problem]:
        has_pairs = self.pairs is not None
        has_parameters, has_matrix = self.parameters is not None, self.matrix is not None
        example = ("either pairs: [{between: [a, b], rho: 0.3}, ...] or parameters: [a, b, ...] "
                   "with matrix: [[...], ...]")
        if has_pairs and (has_parameters or has_matrix):
            given = "parameters and matrix" if has_parameters and has_matrix else (
                "parameters" if has_parameters else "matrix")
            return [((), f"correlations are given both as pairs and as {given}; expected "
                         f"{example}; keep one form", None)]
        if not (has_pairs or has_parameters or has_matrix):
            return [((), f"no correlations are given; expected {example}, or remove the "
                         f"correlations key", None)]
        if has_parameters and not has_matrix:
            return [((), "parameters are given without a matrix; add matrix: one row of "
                         "correlations per parameter, or give pairs instead", None)]
        if has_matrix and not has_parameters:
            return [((), "a matrix is given without parameters; add parameters: the names of "
                         "the matrix's rows, in order", None)]
        return []

    def _pair_problems(self) -> list[_Problem]:
        pairs = self.pairs or ()
        if not pairs:
            return [(("pairs",), "pairs is empty; give at least one pair, such as "
                                 "{between: [a, b], rho: 0.3}, or remove the correlations key",
                     [])]
        problems: list[_Problem] = []
        first: dict[frozenset[str], int] = {}
        for i, pair in enumerate(pairs):
            key = frozenset(pair.between)
            if key in first:
                a, b = pair.between
                problems.append((
                    ("pairs", i, "between"),
                    f"the pair ({a}, {b}) is given twice (first at pairs[{first[key]}]); "
                    f"keep one",
                    list(pair.between),
                ))
            else:
                first[key] = i
        return problems

    def _matrix_problems(self) -> list[_Problem]:
        names = self.parameters or ()
        rows = self.matrix or ()
        n = len(names)
        problems: list[_Problem] = []
        if n < 2:
            problems.append((("parameters",), f"a correlation needs at least two parameters, "
                                              f"got {n}; name two or more", list(names)))
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                problems.append((("parameters", i), f"'{name}' is listed twice (first at "
                                                    f"parameters[{seen[name]}]); list each "
                                                    f"parameter once", name))
            seen.setdefault(name, i)
        if len(rows) != n:
            problems.append((("matrix",), f"the matrix has {len(rows)} rows, but parameters "
                                          f"names {n}; expected a {n} × {n} matrix, one row "
                                          f"and column per parameter, in the same order",
                             None))
            return problems
        for i, row in enumerate(rows):
            if len(row) != n:
                problems.append((("matrix", i), f"row {i} has {len(row)} entries; expected "
                                                f"{n}, one per parameter", list(row)))
        if problems:
            return problems
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if i == j:
                    if abs(value - 1) > _SYMMETRY_TOLERANCE:
                        problems.append((("matrix", i, j), f"the diagonal must be 1 (the "
                                                           f"correlation of {names[i]} with "
                                                           f"itself), got {value:g}; set it "
                                                           f"to 1", value))
                elif not -1 <= value <= 1:
                    problems.append((("matrix", i, j), f"{value:g} is not a correlation; "
                                                       f"expected a value between -1 and 1",
                                     value))
                elif j > i and abs(value - rows[j][i]) > _SYMMETRY_TOLERANCE:
                    problems.append((("matrix", i, j), f"matrix[{i}][{j}] is {value:g} but "
                                                       f"matrix[{j}][{i}] is {rows[j][i]:g}; "
                                                       f"a correlation matrix is symmetric, "
                                                       f"make them equal", value))
        return problems


def _definiteness_problem(matrix: NDArray[np.float64]) -> str | None:
    """Say why a correlation matrix cannot be used, or return None."""
    smallest = smallest_eigenvalue(matrix)
    if smallest >= EIGENVALUE_FLOOR:
        return None
    fix = "lower them or set repair: true to use the nearest valid matrix"
    if smallest < -EIGENVALUE_FLOOR:
        return (f"the correlation matrix is not positive definite (smallest eigenvalue "
                f"{significant(smallest, 2)}); correlations this strong cannot hold together; "
                f"{fix}")
    return (f"the correlation matrix is singular (smallest eigenvalue "
            f"{significant(smallest, 2)}, below {significant(EIGENVALUE_FLOOR, 2)}): some "
            f"parameters are perfectly correlated (rho of 1 or -1) or exactly determined by "
            f"others; {fix}")

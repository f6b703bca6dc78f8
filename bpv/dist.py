"""Distributions for parameters, by their short public path: ``bpv.dist.Beta(mean=..., sd=...)``.

The specifications live in :mod:`bpv.spec.distributions`; this module only
gives them a short name for notebooks.

Examples
--------
>>> from bpv.dist import Pert
>>> float(Pert(low=600, mode=900, high=1200).to_scipy().mean())
900.0
"""

from bpv.spec.distributions import (
    DISTRIBUTIONS,
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
    QuantileFit,
    Quantiles,
    Triangular,
    Uniform,
)

__all__ = [
    "DISTRIBUTIONS",
    "Bernoulli",
    "Beta",
    "Discrete",
    "Distribution",
    "Fixed",
    "Gamma",
    "Interval",
    "LogNormal",
    "Normal",
    "Pert",
    "QuantileFit",
    "Quantiles",
    "Triangular",
    "Uniform",
]

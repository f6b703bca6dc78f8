"""Choosing a portfolio of bids within the system's budgets, capacity and risk appetite.

:func:`bpv.portfolio` appraises bids on common random numbers and chooses the
set that maximises the expected system value subject to a
:class:`~bpv.spec.portfolio.PortfolioConstraints`, solving a mixed-integer
linear programme with HiGHS (:mod:`bpv.programme.problem`). The formulation
is in docs/portfolio.md.
"""

__all__: list[str] = []

"""Specifications: the models a bid file is made of.

:mod:`bpv.spec.bid` (the bid, organisations, settings),
:mod:`bpv.spec.parameter` (parameters and success hypotheses),
:mod:`bpv.spec.distributions` (distribution specifications) and
:mod:`bpv.spec.node` (logic-model nodes). The public names are re-exported
at the top level: ``bpv.Bid``, ``bpv.Node``, ``bpv.Parameter``, ``bpv.dist``.
"""

__all__: list[str] = []

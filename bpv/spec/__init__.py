"""Specifications: the models a bid file is made of.

:mod:`bpv.spec.bid` (the bid, organisations, settings),
:mod:`bpv.spec.parameter` (parameters and success hypotheses),
:mod:`bpv.spec.distributions` (distribution specifications),
:mod:`bpv.spec.node` (logic-model nodes), :mod:`bpv.spec.policies`
(optimism bias, evidence policy, additionality) and :mod:`bpv.spec.scenario`
(scenarios and their changes). The public names are re-exported at the top
level: ``bpv.Bid``, ``bpv.Node``, ``bpv.Parameter``, ``bpv.dist``,
``bpv.Scenario``, ``bpv.OptimismBias``…
"""

__all__: list[str] = []

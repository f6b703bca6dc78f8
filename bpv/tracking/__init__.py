"""Tracking delivery: the plan, actuals against it, RAG status and the Bayesian re-forecast.

An approved appraisal is the plan. :mod:`bpv.tracking.series` names what is
tracked (every ``metric`` node, each organisation's costs and cash-releasing
savings, and any node the bid's ``tracking:`` section lists) and gives each
series' per-draw trajectory by period; :mod:`bpv.tracking.settings` fills in
each series' settings; :mod:`bpv.tracking.plan` gives its bands and targets
by year. :mod:`bpv.tracking.periods` resolves a period (a year, quarter,
month or span of days) to its year and share; :mod:`bpv.tracking.actuals`
reads and checks actuals, each resolved to an
:class:`~bpv.tracking.observations.Observation` (which series, which year,
what share of it); :mod:`bpv.tracking.status` rates them by a declared RAG
rule, and :mod:`bpv.tracking.result` holds it together as ``bpv.track``'s
:class:`~bpv.tracking.result.Tracking`. See docs/tracking.md.
"""

__all__: list[str] = []

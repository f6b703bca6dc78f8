"""Tracking delivery: the plan, actuals against it, RAG status and the Bayesian re-forecast.

An approved appraisal is the plan. :mod:`bpv.tracking.series` names what is
tracked (every ``metric`` node, each organisation's costs and cash-releasing
savings, and any node the bid's ``tracking:`` section lists) and gives each
series' per-draw trajectory by period; :mod:`bpv.tracking.observations` is an
actual resolved against the plan (which series, which year, what share of it).
"""

__all__: list[str] = []

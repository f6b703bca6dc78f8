"""The JSON Schemas of bpv's results: appraisal, comparison, sensitivity, scenarios, batch, ….

Each schema is built here from the same names the results use (the metrics
of :mod:`bpv.engine.ledger`, the sampling methods, the scenario table's
metrics), so the schema and the documents cannot disagree about them; the
tests validate every command's output on the examples against them.
:func:`output_schema` returns any kind's schema, the tracking kinds' from
:mod:`bpv.outputs.tracking_schemas`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from bpv._utils.validation import check_choice
from bpv._utils.versions import OUTPUT_KINDS
from bpv.analysis.scenario_table import SCENARIO_METRICS
from bpv.analysis.sensitivity import GROUPINGS
from bpv.engine.ledger import METRICS, ORGANISATION_METRICS
from bpv.engine.monte_carlo import KERNELS, METHODS
from bpv.outputs._parts import (
    BOOLEAN,
    COUNT,
    ENTROPY,
    MAYBE_INTEGER,
    MAYBE_NUMBER,
    MAYBE_STRING,
    NUMBER,
    PROBABILITY,
    STRING,
    array,
    closed,
    document,
    enum,
    map_of,
    nullable,
    pair,
    statistics,
)
from bpv.outputs.tracking_schemas import TRACKING_SCHEMAS

__all__ = ["OUTPUT_KINDS", "appraisal_properties", "output_schema"]

_STATS = statistics(MAYBE_NUMBER, description="Mean, sd, Monte Carlo standard error, the number "
                    "of finite draws, and quantiles; null where not finite.")
_BY_PERIOD = statistics(array(MAYBE_NUMBER), description="Each statistic as a list, a value a "
                        "period.")
_ADJUSTMENT = closed({"policy": STRING, "what": STRING, "targets": array(STRING),
                      "factor": MAYBE_NUMBER, "expression": STRING, "statement": STRING,
                      "source": STRING})
_PROVENANCE = closed({
    "n_draws": {"type": "integer", "minimum": 1}, "method": enum(METHODS),
    "draws_kept": COUNT, "entropy": ENTROPY,
    "bid_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "bpv_version": STRING, "spawn_key": array(COUNT), "block_size": COUNT,
    "kernel": enum(KERNELS), "discounting": STRING, "timing": STRING,
    "money_discount_factors": array(NUMBER), "health_discount_factors": array(NUMBER),
    "qaly_value": NUMBER, "price_year": MAYBE_INTEGER, "adjustments": array(_ADJUSTMENT)},
    description="How the numbers were made: enough to replay the run.")
_PROBLEM = closed({"location": STRING, "line": MAYBE_INTEGER, "message": STRING})


_CASH_ROW = closed({"mean": array(MAYBE_NUMBER), "p5": array(MAYBE_NUMBER),
                    "p95": array(MAYBE_NUMBER),
                    "total": closed(dict.fromkeys(("mean", "p5", "p95"), MAYBE_NUMBER))})
_CASH_BY_YEAR: dict[str, Any] = {
        "type": "object",
        "description": "Undiscounted cash by year of the system and each organisation: "
        "capital and revenue spend, cash-releasing savings, income received and paid, net "
        "(Appraisal.cash_by_year), from a subsample of draws.",
        "properties": {"periods": array(STRING), "undiscounted": BOOLEAN, "draws": COUNT},
        "required": ["periods", "undiscounted", "draws", "system"],
        "additionalProperties": map_of(_CASH_ROW)}


def appraisal_properties() -> dict[str, Any]:
    """Return the keys of an appraisal's document after ``schema_version``, with their schemas.

    A batch's document holds each bid's appraisal as these keys (with its
    title and source).

    Examples
    --------
    >>> list(appraisal_properties())[:3]
    ['bid', 'provenance', 'metrics']
    """
    return {
        "bid": STRING,
        "provenance": _PROVENANCE,
        "metrics": closed(dict.fromkeys(METRICS, _STATS),
                          description="The system's metrics (GBP present values, QALYs)."),
        "probabilities": closed({"npv > 0": PROBABILITY, "nmb > 0": PROBABILITY}),
        "organisations": map_of(closed(dict.fromkeys(ORGANISATION_METRICS, _STATS)),
                                description="Each organisation's metrics, by its id."),
        "metric_nodes": map_of(closed({"unit": MAYBE_STRING, "periods": array(STRING),
                                       "total": _STATS, "by_period": _BY_PERIOD}),
                               description="Each tracked metric node, in its own unit."),
        "cash_flow": {"type": "object",
                      "description": "Cumulative net cash flow by period (undiscounted), of "
                      "the system and each organisation, from a subsample of draws.",
                      "properties": {"periods": array(STRING), "draws": COUNT},
                      "required": ["periods", "draws", "system"],
                      "additionalProperties": closed({"cumulative": _BY_PERIOD})},
        "cash_by_year": _CASH_BY_YEAR,
    }


def _appraisal() -> dict[str, Any]:
    return document("appraisal", "Appraisal", "One bid's appraisal: bpv appraise --json, "
                    "bpv.Appraisal.to_dict().", appraisal_properties())


def _comparison() -> dict[str, Any]:
    incremental = {"type": "object",
                   "properties": dict.fromkeys(("npv", "net_cost", "qalys"), _STATS),
                   "required": ["npv", "net_cost", "qalys"],
                   "patternProperties": {"^nmb@": _STATS}, "additionalProperties": False,
                   "description": "Option minus baseline, draw by draw."}
    by_option = map_of(PROBABILITY)
    return document("comparison", "Comparison", "Bids compared on common random numbers: "
                    "bpv compare --json, bpv.Comparison.to_dict().", {
                        "convention": STRING, "baseline": STRING, "metric": STRING,
                        "thresholds": array(NUMBER), "n_draws": COUNT, "method": enum(METHODS),
                        "entropy": ENTROPY,
                        "options": map_of(closed({}, {
                            "metrics": closed(dict.fromkeys(METRICS, _STATS)),
                            "incremental": incremental,
                            "organisations": map_of(closed({"incremental": closed(
                                dict.fromkeys(("npv", "cost_pv", "cash_releasing_pv"),
                                              _STATS))}), description="Each organisation's "
                                "increments, option minus baseline."),
                            "metric_nodes": map_of(closed({"unit": MAYBE_STRING,
                                                           "total": _STATS}))})),
                        "probability_best": by_option,
                        "probability_best_nmb": map_of(by_option),
                        "ranks": map_of(array(PROBABILITY)),
                        "evpi": map_of(MAYBE_NUMBER),
                        "frontier": array(closed({
                            "option": STRING, "cost": NUMBER, "effect": NUMBER,
                            "status": enum(("frontier", "dominated", "extendedly dominated",
                                            "tied")),
                            "icer": MAYBE_NUMBER, "compared_with": MAYBE_STRING})),
                        "notices": array(STRING),
                    })


def _sensitivity() -> dict[str, Any]:
    interval = nullable(pair(MAYBE_NUMBER))
    row = closed({
        "role": STRING, "link": MAYBE_STRING,
        "tornado": closed(dict.fromkeys(("low", "high", "at_low", "at_high", "swing"),
                                        MAYBE_NUMBER)),
        "spearman": MAYBE_NUMBER, "prcc": MAYBE_NUMBER, "evppi": MAYBE_NUMBER,
        "variance_share": MAYBE_NUMBER,
        "switching_value": nullable(closed(dict.fromkeys(
            ("value", "standard_error", "low", "high", "mean_at_low", "mean_at_high"),
            MAYBE_NUMBER))),
        "sobol": nullable(closed({"first": MAYBE_NUMBER, "first_interval": interval,
                                  "total": MAYBE_NUMBER, "total_interval": interval}))})
    return document("sensitivity", "Sensitivity", "What drives a metric of one bid: bpv "
                    "sensitivity --json, bpv.Sensitivity.to_dict().", {
                        "bid": STRING, "metric": STRING, "organisation": MAYBE_STRING,
                        "n_draws": COUNT, "mean": MAYBE_NUMBER,
                        "probability_positive": PROBABILITY, "centre": MAYBE_NUMBER,
                        "evpi": MAYBE_NUMBER, "group_by": enum((*GROUPINGS, "custom")),
                        "sobol_n": MAYBE_INTEGER, "conventions": STRING,
                        "inputs": map_of(row, description="By input name."),
                        "groups": map_of(closed({"inputs": array(STRING),
                                                 "evppi": MAYBE_NUMBER,
                                                 "variance_share": MAYBE_NUMBER})),
                        "provenance": closed({"bid_hash": STRING, "entropy": ENTROPY,
                                              "method": enum(METHODS), "n_draws": COUNT,
                                              "switching_draws": COUNT}),
                    })


def _scenarios() -> dict[str, Any]:
    change = dict.fromkeys(("change", "change_sd", "change_mcse"), MAYBE_NUMBER)
    metric = closed({"mean": MAYBE_NUMBER, "p5": MAYBE_NUMBER, "p95": MAYBE_NUMBER}, change)
    chance = closed({"mean": PROBABILITY}, change)
    return document("scenarios", "Scenarios", "A bid's scenarios beside its base case: bpv "
                    "scenarios --json, bpv.ScenarioTable.to_dict().", {
                        "bid": STRING, "n_draws": COUNT, "method": enum(METHODS),
                        "entropy": ENTROPY, "convention": STRING,
                        "scenarios": map_of(closed({
                            "description": MAYBE_STRING, "changes": array(STRING),
                            "adjustments": array(STRING),
                            "metrics": closed({**dict.fromkeys(SCENARIO_METRICS, metric),
                                               "P(npv > 0)": chance})}),
                            description="'base' first, then each scenario; change is "
                            "scenario minus base (absent for the base)."),
                    })


def _batch() -> dict[str, Any]:
    bid = closed({"title": STRING, "source": STRING, **appraisal_properties()})
    problem = closed({"source": STRING, "line": MAYBE_INTEGER, "location": STRING,
                      "message": STRING})
    return document("batch", "Batch", "Many bids appraised on one seed: bpv batch --json "
                    "(or -o FILE.json), bpv.Batch.to_dict().", {
                        "n_draws": COUNT, "method": enum(METHODS), "kernel": enum(KERNELS),
                        "entropy": ENTROPY, "spawn_key": array(COUNT),
                        "bids": map_of(bid, description="Each bid's appraisal, by bid id."),
                        "problems": array(problem),
                    })


def _portfolio() -> dict[str, Any]:
    point = closed({"level": MAYBE_NUMBER, "scale": MAYBE_NUMBER, "value": MAYBE_NUMBER,
                    "cvar": MAYBE_NUMBER, "chosen": array(STRING)})
    constraint = closed({"kind": STRING, "sense": enum(("<=", ">=", "==")),
                         "bound": MAYBE_NUMBER, "value": MAYBE_NUMBER, "slack": MAYBE_NUMBER,
                         "unit": STRING}, {"alpha": NUMBER, "allowed": NUMBER})
    return document("portfolio", "Portfolio", "The bids chosen within the constraints: bpv "
                    "portfolio --json, bpv.Portfolio.to_dict().", {
                        "objective": STRING, "chosen": array(STRING),
                        "bids": map_of(closed({"chosen": BOOLEAN,
                                               "expected_value": MAYBE_NUMBER,
                                               "bootstrap_share": PROBABILITY})),
                        "expected_value": MAYBE_NUMBER, "mcse": MAYBE_NUMBER,
                        "risk": closed({"alpha": NUMBER, "cvar": MAYBE_NUMBER,
                                        "probability_of_loss": PROBABILITY}),
                        "constraints": map_of(constraint, description="Each constraint's "
                                              "bound, value for the chosen set and slack."),
                        "binding": array(STRING),
                        "shadow_values": array(closed({
                            "budget": STRING, "step": NUMBER, "value_per_pound": MAYBE_NUMBER,
                            "chosen": array(STRING)})),
                        "frontier": closed({"budget": array(point), "risk": array(point)}),
                        "bootstrap": closed({"resamples": COUNT, "infeasible": COUNT,
                                             "shares": map_of(PROBABILITY)}),
                        "provenance": closed({"n_draws": COUNT, "method": enum(METHODS),
                                              "entropy": ENTROPY}),
                    })


def _validation() -> dict[str, Any]:
    return document("validation", "Validation", "Bid files checked: bpv validate --json.", {
        "valid": BOOLEAN,
        "files": array(closed({"file": STRING, "valid": BOOLEAN, "problems": array(_PROBLEM),
                               "warnings": array(_PROBLEM)}, {"id": STRING})),
    })


_SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "appraisal": _appraisal, "comparison": _comparison, "sensitivity": _sensitivity,
    "scenarios": _scenarios, "batch": _batch, "portfolio": _portfolio,
    "validation": _validation, **TRACKING_SCHEMAS}


def output_schema(kind: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one kind of JSON document bpv writes.

    Every document starts with ``schema_version``, the version of its kind's
    shape; the schema requires that exact version, so a document of another
    version is refused rather than misread (docs/json-output.md).

    Parameters
    ----------
    kind : str
        One of :data:`OUTPUT_KINDS`: ``'appraisal'``, ``'comparison'``,
        ``'sensitivity'``, ``'scenarios'``, ``'batch'``, ``'portfolio'``,
        ``'validation'``, ``'tracking'``, ``'reforecast'``, ``'track-bids'``,
        ``'track-history'``, ``'track-status'``.

    Returns
    -------
    dict
        A fresh copy, safe to modify.

    Raises
    ------
    SpecError
        If ``kind`` is not a kind of document.

    See Also
    --------
    bpv.bid_schema : The schema of a bid file (the input).

    Examples
    --------
    >>> import bpv
    >>> schema = bpv.output_schema("appraisal")
    >>> schema["properties"]["schema_version"]["const"], schema["required"][:3]
    (1, ['schema_version', 'bid', 'provenance'])
    """
    check_choice(kind, OUTPUT_KINDS, name="kind", function="output_schema")
    return copy.deepcopy(_SCHEMAS[kind]())

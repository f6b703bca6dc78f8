"""The JSON Schemas of delivery tracking: a tracking, a re-forecast, and ``bpv track``'s documents.

``tracking`` is :meth:`bpv.Tracking.to_dict` (the plan, the actuals, the RAG
status and its summary), ``reforecast`` is :meth:`bpv.Reforecast.to_dict`;
``track-bids``, ``track-history`` and ``track-status`` are what ``bpv track
bids``, ``history`` and ``status`` print with ``--json``, read from the
register.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bpv.outputs._parts import (
    BOOLEAN,
    COUNT,
    DATE,
    ENTROPY,
    INTEGER,
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
)

__all__ = ["TRACKING_SCHEMAS"]

_BETTER = enum(("higher", "lower"))
_COUNTS = closed({"green": COUNT, "amber": COUNT, "red": COUNT})
_LIST = array(MAYBE_NUMBER)
_STATUS_ROW = closed({
    "series": STRING, "period": STRING, "year": COUNT, "share": NUMBER, "unit": MAYBE_STRING,
    "better": _BETTER, "actual": MAYBE_NUMBER, "median": MAYBE_NUMBER, "mean": MAYBE_NUMBER,
    "variance": MAYBE_NUMBER, "variance_pct": MAYBE_NUMBER,
    "cumulative_actual": MAYBE_NUMBER, "cumulative_plan": MAYBE_NUMBER,
    "band_50": pair(MAYBE_NUMBER), "band_90": pair(MAYBE_NUMBER), "target": MAYBE_NUMBER,
    "p_actual_or_better": PROBABILITY, "p_meets_target": PROBABILITY,
    "rag": enum(("green", "amber", "red")), "location": STRING})
_STATUS = closed({
    "bid": STRING, "as_at": DATE,
    "rule": closed({"green": NUMBER, "amber": NUMBER, "text": STRING}),
    "counts": _COUNTS, "rows": array(_STATUS_ROW)},
    description="Each actual against the plan, rated by the rule.")
_SUMMARY = map_of(closed(dict.fromkeys(
    ("actuals", "green", "amber", "red", "cum actual", "cum plan", "variance %", "P(target)"),
    MAYBE_NUMBER)), description="By series: counts, cumulative actual and plan.")
_PRIOR_POSTERIOR = closed({"prior": MAYBE_NUMBER, "posterior": MAYBE_NUMBER})


def _tracking() -> dict[str, Any]:
    series = closed({
        "series": STRING, "organisation": MAYBE_STRING, "label": STRING,
        "unit": MAYBE_STRING, "better": _BETTER, "periods": array(STRING),
        "targets_declared": array(STRING),
        **dict.fromkeys(("mean", "median", "p5", "p25", "p75", "p95", "target"), _LIST),
        "p_meets_target": array(PROBABILITY)})
    actual = closed({
        "bid": MAYBE_STRING, "node": STRING, "period": STRING, "value": NUMBER,
        "organisation": MAYBE_STRING, "source": MAYBE_STRING, "recorded_by": MAYBE_STRING,
        "recorded_at": MAYBE_STRING, "note": MAYBE_STRING, "line": INTEGER, "series": STRING,
        "year": COUNT, "share": NUMBER, "likelihood": STRING, "sd": MAYBE_NUMBER,
        "cv": MAYBE_NUMBER})
    return document("tracking", "Tracking", "A bid's delivery against its plan: "
                    "bpv.Tracking.to_dict().", {
                        "bid": STRING, "bid_hash": STRING, "as_at": DATE,
                        "plan": closed({"bid": STRING, "bid_hash": STRING, "n_draws": COUNT,
                                        "n_appraised": COUNT, "periods": array(STRING),
                                        "series": array(series)}),
                        "actuals": array(actual), "status": _STATUS, "summary": _SUMMARY,
                    })


def _reforecast() -> dict[str, Any]:
    quantiles = closed(dict.fromkeys(("mean", "sd", "p5", "p25", "p50", "p75", "p95"),
                                     MAYBE_NUMBER))
    smc = closed({}, {"n_particles": COUNT, "n_moves": COUNT, "target_ess": NUMBER,
                      "temperatures": array(NUMBER), "acceptance": array(PROBABILITY),
                      "step_sizes": array(NUMBER), "evaluations": COUNT,
                      "distinct_particles": COUNT})
    forecast = closed({"periods": array(STRING), "observed": array(BOOLEAN),
                       "last_observed": MAYBE_STRING, "prior_p50": _LIST,
                       **dict.fromkeys(("mean", "p5", "p25", "p50", "p75", "p95"), _LIST)})
    hypothesis = closed({
        "name": STRING, "kind": enum(("parameter", "gate")), "statement": MAYBE_STRING,
        "owner": MAYBE_STRING, "evidence": MAYBE_STRING,
        **dict.fromkeys(("prior_mean", "prior_low", "prior_high", "posterior_mean",
                         "posterior_low", "posterior_high", "shift"), MAYBE_NUMBER),
        "effect": enum((-1, 0, 1)), "failing": BOOLEAN})
    return document("reforecast", "Reforecast", "A bid's forecast updated by its actuals: "
                    "bpv.Reforecast.to_dict().", {
                        "bid": STRING, "method": enum(("reweight", "smc")), "n_draws": COUNT,
                        "n_observations": COUNT, "ess": MAYBE_NUMBER,
                        "ess_threshold": NUMBER, "entropy": ENTROPY,
                        "smc": smc,
                        "metrics": map_of(map_of(closed({"prior": quantiles,
                                                         "posterior": quantiles})),
                                          description="By scope ('system' or an "
                                          "organisation), then by metric."),
                        "probabilities": map_of(_PRIOR_POSTERIOR),
                        "forecast": map_of(forecast, description="By series label."),
                        "hypotheses": array(hypothesis), "notes": array(STRING),
                        "provenance": closed({"bid_hash": STRING, "appraisal_entropy": ENTROPY,
                                              "appraisal_method": STRING,
                                              "bpv_version": STRING}),
                    })


def _track_bids() -> dict[str, Any]:
    appraisal = closed({"n_draws": COUNT, "entropy": ENTROPY, "method": STRING,
                        "kernel": STRING, "bpv_version": STRING, "npv_mean": MAYBE_NUMBER})
    return document("track-bids", "Register bids", "The bids in a benefits register, latest "
                    "versions: bpv track bids --json.", {
                        "register": STRING, "as_at": MAYBE_STRING,
                        "bids": array(closed({
                            "bid": STRING, "version": COUNT, "title": STRING,
                            "bid_hash": STRING, "approved_by": STRING, "approved_at": STRING,
                            "recorded_at": STRING, "appraisal": nullable(appraisal)})),
                    })


def _track_history() -> dict[str, Any]:
    event = closed({"at": STRING, "kind": STRING, "summary": STRING,
                    "details": {"type": "object", "description": "What the event recorded; "
                                "its keys depend on the kind of event."}})
    return document("track-history", "Register history", "Every event of one bid in a "
                    "benefits register: bpv track history --json.", {
                        "bid": STRING, "register": STRING, "as_at": MAYBE_STRING,
                        "events": array(event)})


def _track_status() -> dict[str, Any]:
    reforecast = closed({
        "method": enum(("reweight", "smc")), "ess": MAYBE_NUMBER,
        "metrics": map_of(_PRIOR_POSTERIOR, description="Means of the system's metrics."),
        "probabilities": map_of(_PRIOR_POSTERIOR), "failing": array(STRING), "text": STRING})
    snapshot = closed({
        "bid": STRING, "as_at": DATE, "rule": STRING, "counts": _COUNTS, "summary": _SUMMARY,
        "status": _STATUS, "text": STRING, "reporting_date": DATE, "bid_version": COUNT},
        {"reforecast": reforecast})
    return document("track-status", "Register status", "Each bid's latest status snapshot "
                    "in a benefits register: bpv track status --json.", {
                        "register": STRING, "as_at": MAYBE_STRING, "bids": array(snapshot)})


#: The tracking kinds' schemas, by kind.
TRACKING_SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "tracking": _tracking, "reforecast": _reforecast, "track-bids": _track_bids,
    "track-history": _track_history, "track-status": _track_status}

"""bpv: Best Possible Value appraisal of health and care transformation bids.

A bid is a logic model (inputs → activities → outputs → outcomes → impacts)
whose links rest on success hypotheses and assumptions, each a probability
distribution. ``bpv`` reads bids, checks them, and estimates their quality
benefit and financial return under uncertainty, for the whole system and for
each organisation in it.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> bid.title
'Frailty virtual ward, North Place'
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bpv import dist
from bpv._version import __version__
from bpv.errors import (
    ActualsError,
    BidValidationError,
    BidWarning,
    BPVError,
    BPVWarning,
    EvaluationError,
    Finding,
    FormulaError,
    InfeasibleError,
    LimitError,
    NotARegisterError,
    PortfolioError,
    Problem,
    ReforecastError,
    RegisterError,
    RegisterVersionError,
    SpecError,
    UnknownNameError,
)
from bpv.formulas.compiler import Formula, parse_formula
from bpv.io import dumps, load, load_constraints, loads, save
from bpv.spec.bid import Bid, Organisation, Settings
from bpv.spec.graph import evaluation_order, logic_model
from bpv.spec.lint import lint
from bpv.spec.node import Node
from bpv.spec.parameter import Parameter
from bpv.spec.policies import Additionality, EvidencePolicy, OptimismBias
from bpv.spec.portfolio import PortfolioConstraints
from bpv.spec.scenario import Scenario
from bpv.spec.schema import bid_schema

if TYPE_CHECKING:
    from bpv import plot
    from bpv.analysis.comparison import Comparison, compare
    from bpv.analysis.scenario_table import ScenarioTable, scenarios
    from bpv.analysis.sensitivity import sensitivity
    from bpv.analysis.sensitivity_result import Sensitivity
    from bpv.batch.result import Batch
    from bpv.batch.run import appraise_many
    from bpv.engine.monte_carlo import appraise
    from bpv.engine.results import Appraisal
    from bpv.engine.sanity import check_bid
    from bpv.outputs.schemas import OUTPUT_KINDS, output_schema
    from bpv.programme.result import Portfolio
    from bpv.programme.selection import portfolio
    from bpv.register.store import Register
    from bpv.reporting.html_comparison import report_comparison
    from bpv.reporting.html_report import report
    from bpv.tracking.actuals import read_actuals
    from bpv.tracking.reforecast_result import Reforecast
    from bpv.tracking.result import Tracking, track
    from bpv.tracking.status import RagRule
    from bpv.transform.adjustments import Adjusted, Adjustment, adjust
    from bpv.transform.scenarios import apply_scenario

#: The public names that load on first use, and the module each comes from (SPEC 1's lazy
#: loading): reading and checking a bid needs only the names imported above, so that
#: ``import bpv`` and ``bpv validate`` stay quick; ``bpv.appraise`` and the rest import
#: their layer the first time they are used.
_LAZY: dict[str, str] = {
    "plot": "bpv.plot",
    "Comparison": "bpv.analysis.comparison",
    "compare": "bpv.analysis.comparison",
    "ScenarioTable": "bpv.analysis.scenario_table",
    "scenarios": "bpv.analysis.scenario_table",
    "sensitivity": "bpv.analysis.sensitivity",
    "Sensitivity": "bpv.analysis.sensitivity_result",
    "Batch": "bpv.batch.result",
    "appraise_many": "bpv.batch.run",
    "appraise": "bpv.engine.monte_carlo",
    "Appraisal": "bpv.engine.results",
    "OUTPUT_KINDS": "bpv.outputs.schemas",
    "output_schema": "bpv.outputs.schemas",
    "check_bid": "bpv.engine.sanity",
    "Portfolio": "bpv.programme.result",
    "portfolio": "bpv.programme.selection",
    "Register": "bpv.register.store",
    "report_comparison": "bpv.reporting.html_comparison",
    "report": "bpv.reporting.html_report",
    "read_actuals": "bpv.tracking.actuals",
    "Reforecast": "bpv.tracking.reforecast_result",
    "Tracking": "bpv.tracking.result",
    "track": "bpv.tracking.result",
    "RagRule": "bpv.tracking.status",
    "Adjusted": "bpv.transform.adjustments",
    "Adjustment": "bpv.transform.adjustments",
    "adjust": "bpv.transform.adjustments",
    "apply_scenario": "bpv.transform.scenarios",
}

__all__ = [
    # bids and their parts
    "Bid",
    "Node",
    "Organisation",
    "Parameter",
    "Settings",
    "Additionality",
    "EvidencePolicy",
    "OptimismBias",
    "Scenario",
    "dist",
    # files
    "bid_schema",
    # JSON output: the kinds of document and their schemas
    "OUTPUT_KINDS",
    "output_schema",
    "dumps",
    "load",
    "load_constraints",
    "loads",
    "save",
    # appraisal
    "Appraisal",
    "appraise",
    # many bids on one seed
    "Batch",
    "appraise_many",
    "plot",
    "report",
    "report_comparison",
    # reviewers' analysis
    "Comparison",
    "Sensitivity",
    "compare",
    "sensitivity",
    "ScenarioTable",
    "apply_scenario",
    "scenarios",
    # tracking delivery against the plan
    "RagRule",
    "Reforecast",
    "Tracking",
    "read_actuals",
    "track",
    # programme office: choosing a portfolio
    "Portfolio",
    "PortfolioConstraints",
    "portfolio",
    # settings policies: optimism bias, evidence, additionality
    "Adjusted",
    "Adjustment",
    "adjust",
    # logic model and formulas
    "Formula",
    "evaluation_order",
    "check_bid",
    "lint",
    "logic_model",
    "parse_formula",
    # tracking delivery: the benefits register (SQLAlchemy loads only when it is used)
    "Register",
    # errors and warnings
    "ActualsError",
    "ReforecastError",
    "BPVError",
    "BPVWarning",
    "BidValidationError",
    "BidWarning",
    "EvaluationError",
    "Finding",
    "FormulaError",
    "InfeasibleError",
    "LimitError",
    "NotARegisterError",
    "PortfolioError",
    "Problem",
    "RegisterError",
    "RegisterVersionError",
    "SpecError",
    "UnknownNameError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    """Give a lazily loaded public name (see ``_LAZY``) on first use, then keep it."""
    where = _LAZY.get(name)
    if where is None:
        msg = f"module 'bpv' has no attribute {name!r}"
        raise AttributeError(msg)
    module = import_module(where)
    value = module if where == f"bpv.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

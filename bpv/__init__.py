"""bpv: Best Possible Value appraisal of health and care transformation bids.

A bid is a logic model (inputs → activities → outputs → outcomes → impacts)
whose links rest on success hypotheses and assumptions, each a probability
distribution. ``bpv`` reads bids, checks them, and (from the engine on)
estimates their quality benefit and financial return under uncertainty.

Examples
--------
>>> import bpv
>>> bid = bpv.load("examples/bids/frailty_virtual_ward.yaml")
>>> bid.title
'Frailty virtual ward, North Place'
"""

from typing import TYPE_CHECKING, Any

from bpv import dist, plot
from bpv._version import __version__
from bpv.analysis.comparison import Comparison, compare
from bpv.analysis.scenario_table import ScenarioTable, scenarios
from bpv.analysis.sensitivity import sensitivity
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.batch.result import Batch
from bpv.batch.run import appraise_many
from bpv.engine.monte_carlo import appraise
from bpv.engine.results import Appraisal
from bpv.errors import (
    ActualsError,
    BidValidationError,
    BidWarning,
    BPVError,
    BPVWarning,
    EvaluationError,
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
from bpv.io import dumps, load, load_constraints, loads
from bpv.outputs.schemas import OUTPUT_KINDS, output_schema
from bpv.programme.result import Portfolio
from bpv.programme.selection import portfolio
from bpv.reporting.html_comparison import report_comparison
from bpv.reporting.html_report import report
from bpv.spec.bid import Bid, Organisation, Settings
from bpv.spec.graph import evaluation_order, logic_model
from bpv.spec.lint import lint
from bpv.spec.node import Node
from bpv.spec.parameter import Parameter
from bpv.spec.policies import Additionality, EvidencePolicy, OptimismBias
from bpv.spec.portfolio import PortfolioConstraints
from bpv.spec.scenario import Scenario
from bpv.spec.schema import bid_schema
from bpv.tracking.actuals import read_actuals
from bpv.tracking.reforecast_result import Reforecast
from bpv.tracking.result import Tracking, track
from bpv.tracking.status import RagRule
from bpv.transform.adjustments import Adjusted, Adjustment, adjust
from bpv.transform.scenarios import apply_scenario

if TYPE_CHECKING:
    from bpv.register.store import Register

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
    """Give ``bpv.Register`` on first use, so ``import bpv`` never loads SQLAlchemy."""
    if name == "Register":
        from bpv.register.store import Register

        return Register
    msg = f"module 'bpv' has no attribute {name!r}"
    raise AttributeError(msg)

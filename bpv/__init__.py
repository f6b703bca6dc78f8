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

from bpv import dist, plot
from bpv._version import __version__
from bpv.analysis.comparison import Comparison, compare
from bpv.analysis.scenario_table import ScenarioTable, scenarios
from bpv.analysis.sensitivity import sensitivity
from bpv.analysis.sensitivity_result import Sensitivity
from bpv.engine.monte_carlo import appraise
from bpv.engine.results import Appraisal
from bpv.errors import (
    BidValidationError,
    BidWarning,
    BPVError,
    BPVWarning,
    EvaluationError,
    FormulaError,
    InfeasibleError,
    LimitError,
    PortfolioError,
    Problem,
    SpecError,
    UnknownNameError,
)
from bpv.formulas.compiler import Formula, parse_formula
from bpv.io import dumps, load, load_constraints, loads
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
from bpv.transform.adjustments import Adjusted, Adjustment, adjust
from bpv.transform.scenarios import apply_scenario

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
    "dumps",
    "load",
    "load_constraints",
    "loads",
    # appraisal
    "Appraisal",
    "appraise",
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
    # errors and warnings
    "BPVError",
    "BPVWarning",
    "BidValidationError",
    "BidWarning",
    "EvaluationError",
    "FormulaError",
    "InfeasibleError",
    "LimitError",
    "PortfolioError",
    "Problem",
    "SpecError",
    "UnknownNameError",
    "__version__",
]

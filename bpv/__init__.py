"""bpv: Best Possible Value appraisal of health and care transformation bids."""

__version__ = "0.1.0.dev0"

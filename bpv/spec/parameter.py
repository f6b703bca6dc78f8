"""Parameters: the uncertain quantities of a bid, and the success hypotheses among them.

In a bid file a parameter is one flat mapping: the distribution's keys
(``dist`` and its arguments) beside optional metadata that states the success
hypothesis and grades its evidence::

    admission_reduction:
      dist: interval
      low: 0.10
      high: 0.25
      confidence: 0.9
      shape: beta
      hypothesis: "Virtual ward care avoids 10-25% of admissions among referred patients"
      evidence: moderate

A bare number is a fixed assumption: ``baseline_admissions: 1200``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from bpv.errors import did_you_mean
from bpv.spec._base import IS_WHOLE_NUMBER, Id, Spec, Text, Title, raise_problems, spec_error
from bpv.spec.distributions import DISTRIBUTIONS, Distribution

__all__ = ["EVIDENCE_GRADES", "EvidenceGrade", "Parameter"]

#: Evidence grades, weakest first. Maryland Scientific Methods Scale levels 1-5
#: map onto them in order (``sms`` records the level itself when known).
EvidenceGrade = Literal["very_weak", "weak", "moderate", "strong", "very_strong"]
EVIDENCE_GRADES: tuple[str, ...] = get_args(EvidenceGrade)

_METADATA_KEYS = (
    "hypothesis",
    "evidence",
    "sms",
    "source",
    "owner",
    "supports",
    "unit",
    "description",
)


class Parameter(Spec):
    """A named uncertain quantity: a success hypothesis or an assumption.

    Parameters
    ----------
    distribution : Distribution
        What is believed about the quantity, e.g. ``Beta(mean=0.35, sd=0.05)``.
    hypothesis : str, optional
        The success hypothesis in words, for a parameter that claims something
        will work ("virtual ward care avoids 10-25% of admissions").
    evidence : {'very_weak', 'weak', 'moderate', 'strong', 'very_strong'}, optional
        Strength of the evidence behind the belief.
    sms : int, optional
        Maryland Scientific Methods Scale level (1 before/after without
        control ... 5 randomised trial) of the best supporting study.
    source : str, optional
        Where the belief comes from (a study, an audit, a pilot).
    owner : str, optional
        Who answers for the hypothesis and tracks it.
    supports : str, optional
        Id of the node whose link this hypothesis supports.
    unit : str, optional
        Unit of the quantity, e.g. ``GBP`` or ``admissions per patient``.
    description : str, optional
        Free text.

    Examples
    --------
    >>> from bpv.spec.distributions import Beta
    >>> p = Parameter(distribution=Beta(mean=0.35, sd=0.05), evidence="moderate")
    >>> p.is_hypothesis
    False
    >>> p.model_dump(exclude_unset=True)
    {'dist': 'beta', 'mean': 0.35, 'sd': 0.05, 'evidence': 'moderate'}
    >>> Parameter.model_validate(1200).distribution.value
    1200.0
    """

    distribution: Distribution
    hypothesis: Text | None = None
    evidence: EvidenceGrade | None = None
    sms: Annotated[int, Field(ge=1, le=5), IS_WHOLE_NUMBER] | None = None
    source: Text | None = None
    owner: Title | None = None
    supports: Id | None = None
    unit: Title | None = None
    description: Text | None = None

    @property
    def is_hypothesis(self) -> bool:
        """Whether the parameter states a success hypothesis."""
        return self.hypothesis is not None

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """Return the keys a parameter accepts: ``dist`` and the metadata keys."""
        return ["dist", *_METADATA_KEYS]

    @model_validator(mode="before")
    @classmethod
    def _split_flat_mapping(cls, data: Any) -> Any:
        """Split the flat file form into the distribution and its metadata."""
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"distribution": {"dist": "fixed", "value": data}}
        if isinstance(data, Parameter) or (isinstance(data, dict) and "distribution" in data):
            return data
        if not isinstance(data, dict):
            raise spec_error(
                "expected a distribution (a mapping with 'dist' and its arguments) or a "
                f"number, got {data!r}"
            )
        if "dist" not in data:
            raise spec_error(
                "missing key 'dist': say which distribution, one of "
                + ", ".join(DISTRIBUTIONS)
            )
        tag = data["dist"]
        if not isinstance(tag, str) or tag not in DISTRIBUTIONS:
            raise spec_error(
                f"unknown distribution {tag!r}{did_you_mean(str(tag), DISTRIBUTIONS)}; "
                f"expected one of: {', '.join(DISTRIBUTIONS)}"
            )
        metadata = {key: value for key, value in data.items() if key in _METADATA_KEYS}
        arguments = {key: value for key, value in data.items() if key not in _METADATA_KEYS}
        return {"distribution": arguments, **metadata}

    @model_validator(mode="wrap")
    @classmethod
    def _offer_metadata_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Offer the metadata keys too when a key is unknown: in the file they sit together."""
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if not any(_is_unknown_distribution_key(error) for error in errors):
                raise
            problems = []
            for error in errors:
                loc, message = tuple(error["loc"]), str(error["msg"])
                if _is_unknown_distribution_key(error):
                    key = str(loc[-1])
                    allowed = [*DISTRIBUTIONS[str(loc[1])].allowed_keys(), *_METADATA_KEYS]
                    hint = did_you_mean(key, allowed) or f"; expected one of: {', '.join(allowed)}"
                    message = f"unknown key '{key}'{hint}"
                problems.append((loc, message, error.get("input")))
            raise_problems(cls.__name__, problems)
            raise  # pragma: no cover - raise_problems always raises here

    @model_serializer(mode="wrap")
    def _flatten(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Write the flat file form: ``dist`` first, then its arguments, then metadata."""
        dumped = handler(self)
        arguments = dict(dumped.pop("distribution", {}))
        arguments.pop("dist", None)
        return {"dist": self.distribution.dist, **arguments, **dumped}



def _is_unknown_distribution_key(error: Any) -> bool:
    loc = error["loc"]
    return (
        len(loc) == 3
        and loc[0] == "distribution"
        and loc[1] in DISTRIBUTIONS
        and str(error["msg"]).startswith("unknown key")
    )

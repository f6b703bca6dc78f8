"""The base class of every specification model, and how its errors are worded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler
from pydantic import model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from bpv.errors import did_you_mean

__all__ = ["Spec", "raise_problems", "spec_error"]

#: Error type of problems bpv words itself; never reworded again.
_BPV_ERROR_TYPE = "bpv"


class Spec(BaseModel):
    """Base of bpv's specification models: frozen, and strict about keys.

    A misspelt key is a located error with a suggestion, never a silent
    default; a specification never changes after it is built.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        ser_json_inf_nan="constants",
        populate_by_name=True,
        allow_inf_nan=False,
    )

    @model_validator(mode="wrap")
    @classmethod
    def _word_unknown_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Reword pydantic's 'extra inputs' errors with the valid keys of this model."""
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if not any(error["type"] == "extra_forbidden" and len(error["loc"]) == 1
                       for error in errors):
                raise
            allowed = cls.allowed_keys()
            details: list[tuple[tuple[str | int, ...], str, Any]] = []
            for error in errors:
                loc = tuple(error["loc"])
                if error["type"] == "extra_forbidden" and len(loc) == 1:
                    key = str(loc[0])
                    message = f"unknown key '{key}'{did_you_mean(key, allowed)}"
                    if not did_you_mean(key, allowed):
                        message += f"; expected one of: {', '.join(sorted(allowed))}"
                    details.append((loc, message, error["input"]))
                else:
                    details.append((loc, _reword(error), error.get("input")))
            raise_problems(cls.__name__, details)

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """Return the keys this model accepts in a bid file."""
        return [field.alias or name for name, field in cls.model_fields.items()]


def _reword(error: Any) -> str:
    """Return the message of a pydantic error, unchanged if bpv worded it already."""
    return str(error["msg"])


def raise_problems(
    title: str, problems: Iterable[tuple[Sequence[str | int], str, Any]]
) -> None:
    """Raise every problem at once as one pydantic ``ValidationError``.

    Raised inside a validator, the locations are relative to the model being
    validated; pydantic prefixes the path to that model.

    Parameters
    ----------
    title : str
        Name of the model being validated.
    problems : iterable of (location, message, input)
        Location as a tuple of keys and indices, the message already worded,
        and the offending input value.

    Raises
    ------
    pydantic.ValidationError
        Always, unless ``problems`` is empty.
    """
    details = [
        InitErrorDetails(
            type=PydanticCustomError(_BPV_ERROR_TYPE, "{message}", {"message": message}),
            loc=tuple(loc),
            input=value,
        )
        for loc, message, value in problems
    ]
    if details:
        raise ValidationError.from_exception_data(title, details)


def spec_error(message: str) -> PydanticCustomError:
    """Return an error to raise from a validator, worded exactly as given.

    Raising ``ValueError`` from a pydantic validator prefixes the message with
    ``"Value error, "``; this does not.

    Examples
    --------
    >>> raise spec_error("pert needs low <= mode <= high (got low=3, mode=1, high=5)")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: pert needs low <= mode <= high (got low=3, mode=1, high=5)
    """
    return PydanticCustomError(_BPV_ERROR_TYPE, "{message}", {"message": message})

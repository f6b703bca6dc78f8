"""The base class of every specification model, and how its errors are worded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from bpv.errors import did_you_mean

__all__ = [
    "BPV_ERROR_TYPE",
    "MAX_CHANGES",
    "MAX_DISCRETE_VALUES",
    "MAX_ID_LENGTH",
    "MAX_NODES",
    "MAX_ORGANISATIONS",
    "MAX_PARAMETERS",
    "MAX_QUANTILES",
    "MAX_SCENARIOS",
    "MAX_TEXT_LENGTH",
    "MAX_TITLE_LENGTH",
    "Id",
    "Text",
    "Title",
    "IS_NUMBER",
    "IS_WHOLE_NUMBER",
    "Float",
    "Int",
    "Number",
    "Spec",
    "expect_number",
    "expect_whole_number",
    "raise_problems",
    "spec_error",
    "word_errors",
]

#: Error type of problems bpv words itself; never reworded again.
BPV_ERROR_TYPE = "bpv"

# -- limits (docs/limits.md) ---------------------------------------------------------------
#
# Generous for any real bid, and small enough that a hostile file cannot make
# checking, appraising or reporting it slow: a 2 MB title once took minutes
# to report.

#: Characters in an id: of the bid, an organisation, a node an organisation or ``supports`` names.
MAX_ID_LENGTH = 100
#: Characters in a title or a short label: title, sponsor, names, labels, units, owners.
MAX_TITLE_LENGTH = 300
#: Characters in free text: descriptions, hypotheses, sources.
MAX_TEXT_LENGTH = 10_000
#: Nodes of a bid.
MAX_NODES = 10_000
#: Parameters of a bid.
MAX_PARAMETERS = 10_000
#: Organisations of a bid.
MAX_ORGANISATIONS = 1_000
#: Scenarios of a bid.
MAX_SCENARIOS = 1_000
#: Changes of one scenario.
MAX_CHANGES = 1_000
#: Values (and weights) of one discrete distribution.
MAX_DISCRETE_VALUES = 200_000
#: Probabilities (and values) of one quantiles distribution.
MAX_QUANTILES = 1_000

#: The limits on counts; a list of fixed length (a pair) keeps pydantic's message.
_COUNTS = frozenset({MAX_NODES, MAX_PARAMETERS, MAX_ORGANISATIONS, MAX_SCENARIOS, MAX_CHANGES,
                     MAX_DISCRETE_VALUES, MAX_QUANTILES})

#: An id, at most :data:`MAX_ID_LENGTH` characters.
Id = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH)]
#: A title or short label, at most :data:`MAX_TITLE_LENGTH` characters.
Title = Annotated[str, StringConstraints(max_length=MAX_TITLE_LENGTH)]
#: Free text, at most :data:`MAX_TEXT_LENGTH` characters.
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]


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
    def _word_errors(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Reword pydantic's errors for this model's own fields, once, in bpv's voice."""
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if all(error["type"] == BPV_ERROR_TYPE for error in errors):
                raise
            raise_problems(cls.__name__, word_errors(cls, errors))
            raise  # pragma: no cover - raise_problems always raises here

    @classmethod
    def allowed_keys(cls) -> list[str]:
        """Return the keys this model accepts in a bid file."""
        return [field.alias or name for name, field in cls.model_fields.items()]


def word_errors(
    model: type[Spec], errors: Iterable[Any]
) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Reword pydantic errors raised while validating ``model``.

    Errors bpv has worded already pass through unchanged, so the rewording is
    done once, by the innermost model, whatever the nesting.

    Parameters
    ----------
    model : type of Spec
        The model whose validation raised the errors; its keys are offered
        when a key is unknown.
    errors : iterable of dict
        ``ValidationError.errors()``.

    Returns
    -------
    list of (location, message, input)
    """
    worded: list[tuple[tuple[str | int, ...], str, Any]] = []
    for error in errors:
        loc = tuple(part for part in error["loc"] if not _is_internal(part))
        kind = error["type"]
        value = error.get("input")
        message = str(error["msg"])
        if kind == BPV_ERROR_TYPE:
            pass
        elif kind == "extra_forbidden" and len(loc) == 1:
            key = str(loc[0])
            allowed = model.allowed_keys()
            hint = did_you_mean(key, allowed) or f"; expected one of: {', '.join(allowed)}"
            message = f"unknown key '{key}'{hint}"
        elif kind == "missing" and len(loc) >= 1:
            message = f"missing required key '{loc[-1]}'"
            loc = loc[:-1]
        elif kind == "string_too_long" or (
                kind == "too_long" and (error.get("ctx") or {}).get("max_length") in _COUNTS):
            message = _past_limit(value, (error.get("ctx") or {}).get("max_length"))
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
            hint = did_you_mean(str(value), expected) if isinstance(value, str) else ""
            message = f"unknown value {_show(value)}{hint}; expected one of: {', '.join(expected)}"
        elif kind in {"value_error", "assertion_error"}:
            message = message.split(", ", 1)[-1]
        elif message.startswith("Input should be "):
            message = f"should be {message.removeprefix('Input should be ')} (got {_show(value)})"
        else:
            message = f"{message[:1].lower()}{message[1:]} (got {_show(value)})"
        worded.append((loc, message, value))
    return worded


def _past_limit(value: Any, limit: Any) -> str:
    """Say that text or a list is past its limit (the constants above).

    Examples
    --------
    >>> _past_limit("x" * 301, 300)
    'text of 301 characters is longer than the limit of 300 characters (docs/limits.md)'
    >>> _past_limit({str(i): i for i in range(1001)}, 1000)
    'holds 1,001 items, more than the limit of 1,000 (docs/limits.md)'
    """
    limit_text = f"{limit:,}" if isinstance(limit, int) else str(limit)
    if isinstance(value, str):
        return (f"text of {len(value):,} characters is longer than the limit of {limit_text} "
                "characters (docs/limits.md)")
    try:
        count = f"{len(value):,}"
    except TypeError:  # a generator, say: its length is unknown
        return f"holds more than {limit_text} items, the limit (docs/limits.md)"
    return f"holds {count} items, more than the limit of {limit_text} (docs/limits.md)"


def _is_internal(part: str | int) -> bool:
    """Whether a location part names a pydantic validator rather than a key."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _show(value: Any) -> str:
    """Return a short representation of a user's value for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
            type=PydanticCustomError(BPV_ERROR_TYPE, "{message}", {"message": message}),
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
    >>> raise spec_error("pert needs low <= mode <= high")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: pert needs low <= mode <= high
    """
    return PydanticCustomError(BPV_ERROR_TYPE, "{message}", {"message": message})


# -- numbers ------------------------------------------------------------------------------
#
# YAML 1.1 reads yes, no, on and off as booleans, and pydantic's lax mode would
# read a boolean as 1 or 0 and the text "2400" as 2400. In a bid a number is a
# number: every numeric field of the models is one of the types below, which
# refuse booleans and text before pydantic sees them, and otherwise validate as
# before (an int is a float; a whole float or a numpy integer is an int).


def _refuse_booleans_and_text(value: Any, expected: str) -> Any:
    if isinstance(value, bool | np.bool_):
        raise spec_error(f"expected {expected}, got the boolean {str(bool(value)).lower()} "
                         "(YAML reads yes, no, on and off as booleans)")
    if isinstance(value, str | bytes):
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        hint = "; write the number without quotes" if _is_numeric(text) else ""
        raise spec_error(f"expected {expected}, got the text {_show(text)}{hint}")
    return value


def _is_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def expect_number(value: Any) -> Any:
    """Refuse a boolean or text where a number belongs; pass anything else on.

    Examples
    --------
    >>> expect_number(2.5)
    2.5
    >>> expect_number(True)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: expected a number, got the boolean true (YAML reads yes, no, on and off as booleans)
    >>> expect_number("2400")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: expected a number, got the text '2400'; write the number without quotes
    """  # noqa: E501
    return _refuse_booleans_and_text(value, "a number")


def expect_whole_number(value: Any) -> Any:
    """Refuse a boolean or text where a whole number belongs; pass anything else on."""
    return _refuse_booleans_and_text(value, "a whole number")


#: Refuses a boolean or text where a number belongs. It comes last in an
#: ``Annotated`` type, after the constraints, so that pydantic applies them
#: to the number itself (and the JSON Schema states them as before):
#: ``Annotated[float, Field(gt=0), IS_NUMBER]``.
IS_NUMBER = BeforeValidator(expect_number)
#: Refuses a boolean or text where a whole number belongs, like :data:`IS_NUMBER`.
IS_WHOLE_NUMBER = BeforeValidator(expect_whole_number)

#: A number of a bid: an int or a float, never a boolean or text.
Float = Annotated[float, IS_NUMBER]
#: A whole number of a bid, never a boolean or text.
Int = Annotated[int, IS_WHOLE_NUMBER]
#: A number kept as written, an int or a float (a period, say), never a boolean or text.
Number = Annotated[int | float, IS_NUMBER]

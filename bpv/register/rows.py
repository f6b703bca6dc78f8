"""Checking what is written to the register: actuals rows, payloads, names, moments.

Every problem in an import is found before anything is written, and all of
them are reported at once; a register never holds half an import.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from numbers import Real
from typing import Any

from bpv._utils.formatting import json_safe
from bpv.errors import RegisterError

__all__ = ["ACTUAL_FIELDS", "actual_rows", "checksum", "payload_text", "required_text",
           "finite_value", "approval_moment", "reporting_day"]

#: The fields of an actuals row, as the actuals reader gives them.
ACTUAL_FIELDS = ("bid", "node", "period", "value", "organisation", "source", "recorded_by",
                 "recorded_at", "note")


def _field(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _optional_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None  # a blank cell read by pandas
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def finite_value(value: Any) -> float | None:
    """Return ``value`` as a float if it is a finite real number (not a bool), else None.

    Examples
    --------
    >>> finite_value(3), finite_value("3"), finite_value(float("inf")), finite_value(True)
    (3.0, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def actual_rows(bid_id: str, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Return the rows to store, or raise RegisterError listing every problem found.

    Each row is a mapping or an object with the fields of :data:`ACTUAL_FIELDS`
    (a pandas DataFrame is read row by row); ``bid``, when given, must be
    ``bid_id``.

    Examples
    --------
    >>> actual_rows("b", [{"node": "admissions", "period": "2026/27", "value": 4}])[0]["value"]
    4.0
    >>> actual_rows("b", [{"node": "", "period": "2026/27", "value": "x"}])
    Traceback (most recent call last):
    ...
    bpv.errors.RegisterError: nothing recorded for bid 'b': 2 problems
      row 1: node: expected a node id, got ''
      row 1: value: expected a finite number, got 'x'
    """
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        rows = rows.to_dict("records")
    found: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        bid = _optional_text(_field(row, "bid"))
        if bid is not None and bid != bid_id:
            problems.append(f"row {number}: bid: the row is for '{bid}', not '{bid_id}'")
        for name in ("node", "period"):
            text = _optional_text(_field(row, name))
            if text is None:
                problems.append(f"row {number}: {name}: expected a {name} "
                                f"{'id' if name == 'node' else 'such as 2026/27'}, "
                                f"got {_field(row, name)!r}")
        value = finite_value(_field(row, "value"))
        if value is None:
            problems.append(f"row {number}: value: expected a finite number, "
                            f"got {_field(row, 'value')!r}")
        found.append({"node": _optional_text(_field(row, "node")),
                      "period": _optional_text(_field(row, "period")), "value": value,
                      **{name: _optional_text(_field(row, name)) for name in
                         ("organisation", "source", "recorded_by", "recorded_at", "note")}})
    if not found:
        problems.append("no rows to record")
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        msg = "\n  ".join([f"nothing recorded for bid '{bid_id}': {count}", *problems])
        raise RegisterError(msg)
    return found


def checksum(rows: list[dict[str, Any]]) -> str:
    """Return the SHA-256 of rows' canonical JSON: the same rows give the same checksum."""
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def payload_text(payload: Any) -> str:
    """Return a snapshot's payload as JSON text: a JSON string, plain data, or ``to_json()``.

    Examples
    --------
    >>> payload_text({"npv": float("nan"), "rag": "green"})
    '{"npv": null, "rag": "green"}'
    """
    if hasattr(payload, "to_json") and callable(payload.to_json):
        payload = payload.to_json()
    if isinstance(payload, str):
        try:
            json.loads(payload)
        except ValueError as exc:
            msg = f"a snapshot's payload must be JSON: {exc}"
            raise RegisterError(msg) from None
        return payload
    try:
        return json.dumps(json_safe(payload), allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"a snapshot's payload must be plain data (dicts, lists, numbers, text): {exc}"
        raise RegisterError(msg) from None


def required_text(value: Any, *, name: str, function: str) -> str:
    """Return ``value`` if it is non-blank text, else raise RegisterError."""
    if not isinstance(value, str) or not value.strip():
        msg = (f"The '{name}' parameter of {function} must be non-blank text. "
               f"Got {value!r} instead.")
        raise RegisterError(msg)
    return value


def approval_moment(value: date | datetime | str | None) -> datetime:
    """Return when a bid was approved, in UTC: now when None; a date means its start.

    Examples
    --------
    >>> approval_moment("2026-04-01")
    datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, str):
        try:
            value = (date.fromisoformat(value) if len(value.strip()) == 10
                     else datetime.fromisoformat(value))
        except ValueError:
            msg = f"approved_at must be a date or time such as 2026-04-01; got {value!r}"
            raise RegisterError(msg) from None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def reporting_day(value: date | datetime | str) -> date:
    """Return the reporting date a date, datetime or ISO text means.

    Examples
    --------
    >>> reporting_day("2026-09-30")
    datetime.date(2026, 9, 30)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        msg = f"reporting_date must be a date such as 2026-09-30; got {value!r}"
        raise RegisterError(msg) from None

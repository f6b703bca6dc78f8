"""The building blocks of the output schemas: typed values, closed objects, maps, statistics.

Every object whose keys bpv fixes is *closed* (``additionalProperties:
false``, every key required unless said optional), so a key added, removed
or misspelt is caught; an object keyed by names the user chose (bids,
organisations, metric nodes, scenarios) is a *map* whose values are closed.
A number that may be missing or not finite (JSON has no NaN; bpv writes
null) is :data:`MAYBE_NUMBER`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bpv._utils.versions import SCHEMA_VERSIONS

__all__ = ["BOOLEAN", "COUNT", "DATE", "DIALECT", "ENTROPY", "INTEGER", "MAYBE_INTEGER",
           "MAYBE_NUMBER", "MAYBE_STRING", "NUMBER", "PROBABILITY", "QUANTILE_KEYS", "STRING",
           "array", "closed", "document", "enum", "map_of", "nullable", "pair", "statistics"]

#: The JSON Schema dialect of every schema bpv publishes.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

NUMBER: dict[str, Any] = {"type": "number"}
MAYBE_NUMBER: dict[str, Any] = {"type": ["number", "null"]}
INTEGER: dict[str, Any] = {"type": "integer"}
MAYBE_INTEGER: dict[str, Any] = {"type": ["integer", "null"]}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
STRING: dict[str, Any] = {"type": "string"}
MAYBE_STRING: dict[str, Any] = {"type": ["string", "null"]}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
PROBABILITY: dict[str, Any] = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
DATE: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
#: A root seed's entropy: an integer, or a list of them (a SeedSequence's pool).
ENTROPY: dict[str, Any] = {"oneOf": [
    {"type": "integer", "minimum": 0},
    {"type": "array", "items": {"type": "integer", "minimum": 0}}]}
#: The names of quantiles in a summary: ``median``, ``p5``, ``p95``, ``p2.5`` …
QUANTILE_KEYS = r"^(median|p[0-9][0-9.e+-]*)$"
#: The statistics every summary has, before its quantiles.
_MOMENTS = ("mean", "sd", "mcse", "n_finite")


def closed(required: Mapping[str, Any], optional: Mapping[str, Any] | None = None, *,
           description: str = "") -> dict[str, Any]:
    """Return an object schema with exactly these keys: ``required`` all present.

    Examples
    --------
    >>> closed({"a": NUMBER})["required"], closed({"a": NUMBER})["additionalProperties"]
    (['a'], False)
    """
    schema: dict[str, Any] = {"type": "object",
                              "properties": {**required, **(optional or {})},
                              "required": list(required), "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def map_of(values: Mapping[str, Any], *, description: str = "") -> dict[str, Any]:
    """Return the schema of an object keyed by names the user chose, each value ``values``."""
    schema: dict[str, Any] = {"type": "object", "additionalProperties": dict(values)}
    if description:
        schema["description"] = description
    return schema


def array(items: Mapping[str, Any]) -> dict[str, Any]:
    """Return the schema of a list of ``items``."""
    return {"type": "array", "items": dict(items)}


def pair(items: Mapping[str, Any]) -> dict[str, Any]:
    """Return the schema of a list of exactly two ``items`` (an interval: low, high)."""
    return {"type": "array", "items": dict(items), "minItems": 2, "maxItems": 2}


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``schema`` or null."""
    return {"anyOf": [dict(schema), {"type": "null"}]}


def enum(values: Iterable[Any]) -> dict[str, Any]:
    """Return the schema of one of ``values``."""
    return {"enum": list(values)}


def statistics(value: Mapping[str, Any], *, description: str = "") -> dict[str, Any]:
    """Return the schema of a summary: mean, sd, mcse, n_finite and quantiles, each ``value``.

    Quantiles are named as :func:`bpv.engine.results.summarise` names them
    (``median``, ``p5``, ``p95``; others when ``to_dict(quantiles=...)``
    asks for them).
    """
    return {"type": "object", "properties": {key: dict(value) for key in _MOMENTS},
            "required": list(_MOMENTS), "patternProperties": {QUANTILE_KEYS: dict(value)},
            "additionalProperties": False,
            **({"description": description} if description else {})}


def document(kind: str, title: str, description: str, required: Mapping[str, Any],
             optional: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the whole schema of a kind of document: its version first, then its keys.

    ``schema_version`` is the constant of :data:`bpv._utils.versions.SCHEMA_VERSIONS`.
    """
    version = SCHEMA_VERSIONS[kind]
    body = closed({"schema_version": {"const": version, "description":
                                      f"The version of the {kind} document's shape."},
                   **required}, optional)
    return {"$schema": DIALECT, "$id": f"https://bpv.readthedocs.io/schema/{kind}-{version}.json",
            "title": title, "description": description, **body}

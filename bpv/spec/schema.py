"""The JSON Schema of the bid file format, for editors and other tools."""

from __future__ import annotations

import copy
from typing import Any

from bpv.spec.bid import Bid
from bpv.spec.distributions import DISTRIBUTIONS
from bpv.spec.parameter import Parameter

__all__ = ["bid_schema"]

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def bid_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a bid file.

    The schema describes the file as users write it: each parameter is one
    flat mapping of a distribution's arguments and the hypothesis metadata, or
    a bare number. Cross-field rules (references, kind order, cycles) cannot
    be said in JSON Schema; ``bpv validate`` checks those.

    Returns
    -------
    dict
        A fresh copy, safe to modify.

    Examples
    --------
    >>> schema = bid_schema()
    >>> schema["title"], sorted(schema["required"])[:3]
    ('Bid', ['horizon', 'id', 'nodes'])
    >>> sorted(schema["$defs"]["Parameter"]["oneOf"][0]["properties"])[:3]
    ['description', 'dist', 'evidence']
    """
    schema = copy.deepcopy(Bid.model_json_schema(by_alias=True, mode="validation"))
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    metadata = Parameter.model_json_schema(by_alias=True, mode="validation")
    metadata_properties = {
        key: value for key, value in metadata.get("properties", {}).items()
        if key != "distribution"
    }
    for key, value in metadata.get("$defs", {}).items():
        definitions.setdefault(key, value)

    variants: list[dict[str, Any]] = []
    distribution_names = _distribution_definitions(definitions)
    for name in distribution_names:
        variant = copy.deepcopy(definitions[name])
        variant["properties"] = {**variant.get("properties", {}), **metadata_properties}
        variant.setdefault("required", [])
        if "dist" not in variant["required"]:
            variant["required"] = ["dist", *variant["required"]]
        variant["additionalProperties"] = False
        variants.append(variant)
    variants.append({"type": "number", "description": "A fixed value."})
    definitions["Parameter"] = {
        "title": "Parameter",
        "description": (Parameter.__doc__ or "").strip().split("\n")[0],
        "oneOf": variants,
    }
    schema["$schema"] = _SCHEMA_DIALECT
    schema["$id"] = "https://bpv.readthedocs.io/schema/bid.json"
    return schema


def _distribution_definitions(definitions: dict[str, Any]) -> list[str]:
    """Return the names of the definitions that are distribution specs."""
    names = []
    for cls in DISTRIBUTIONS.values():
        title = cls.__name__
        if title in definitions:
            names.append(title)
    return names

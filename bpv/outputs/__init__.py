"""The JSON documents bpv writes: their kinds, versions and published JSON Schemas.

Every JSON document bpv prints (``bpv appraise --json`` and the other
commands) or returns as ``to_dict()`` starts with ``schema_version``, the
version of its kind's shape (:data:`bpv._utils.versions.SCHEMA_VERSIONS`, the
one stamp every result uses). :mod:`bpv.outputs.schemas` builds each kind's
JSON Schema (draft 2020-12) from the names the results use and gives them
as :func:`bpv.output_schema`; :mod:`bpv.outputs.tracking_schemas` holds the
tracking kinds'. The schemas describe results and compute none, so the
package sits beside :mod:`bpv.plot`, above every layer whose results it
describes.
"""

__all__: list[str] = []

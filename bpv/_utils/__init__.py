"""Private helpers every layer may use: validation, formatting, YAML, linear algebra, caches.

Nothing here is public; nothing here imports from the rest of bpv except
:mod:`bpv.errors`.
"""

__all__: list[str] = []

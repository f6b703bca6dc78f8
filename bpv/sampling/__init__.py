"""Sampling: draws from distribution specifications, by Monte Carlo or by inversion."""

__all__: list[str] = []

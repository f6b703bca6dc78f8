"""The draws of one block: every parameter and success gate, served slice by slice.

Each parameter (and each activity's success gate) has its own random stream
per block, keyed by its name (:mod:`bpv.sampling.streams`). Plain Monte Carlo
draws each parameter with numpy's generator; Latin hypercube (stratified
within each block) and Sobol (one scrambled sequence, fast-forwarded to each
block) draw a block's uniforms and invert the CDF slice by slice. Correlated
parameters go through the Gaussian copula of :mod:`bpv.sampling.copula`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bpv._utils.scratch import scratch
from bpv.engine.compiled_kernel import parameter_rows
from bpv.engine.inputs import gate_name
from bpv.engine.plan import SamplingPlan
from bpv.sampling.copula import correlate_normals, to_normal, to_uniform
from bpv.sampling.draws import inverse_cdf, sample
from bpv.sampling.streams import BLOCK_SIZE, block_generator
from bpv.spec.distributions import Fixed

__all__ = ["OPEN_UNIT", "BlockDraws"]

#: Uniforms for inversion are kept inside (0, 1): a Sobol point or a stratum edge
#: at exactly 0 or 1 would map an unbounded distribution to an infinite value.
OPEN_UNIT = (2.0**-53, 1.0 - 2.0**-53)

Draws = dict[str, NDArray[np.float64]]


class BlockDraws:
    """The draws of every parameter and success gate of one block, served slice by slice.

    Plain Monte Carlo keeps one generator per stream for the block and draws
    each slice as it is evaluated: numpy's generators fill arrays value by
    value, so consecutive slices are exactly the block's draws in order, and
    only a slice's worth of draws is ever held. Latin hypercube and Sobol
    draw the block's uniforms at once (a stratification or point set spans
    the block) and invert them slice by slice; given inputs are sliced.
    """

    def __init__(self, plan: SamplingPlan, block: int, size: int) -> None:
        self.plan = plan
        self.block = block
        self.size = size
        self.gate_keys = [f"gate:{gate}" for gate in plan.gates]
        self.generators: dict[str, np.random.Generator] = {}
        self.uniforms: dict[str, NDArray[np.float64]] = {}
        if plan.given is not None:
            return
        if plan.method == "mc":
            self.generators = {name: block_generator(plan.root, name, block)
                               for name in (*plan.uncertain, *self.gate_keys)}
        else:
            self.uniforms = _uniforms(plan, block, size, [*plan.uncertain, *self.gate_keys])

    def slice(self, start: int, stop: int) -> tuple[Draws, Draws]:
        """Draws ``start`` to ``stop`` of the block: parameters (n,) and gates (1, n)."""
        plan, bid, n = self.plan, self.plan.bid, stop - start
        if plan.given is not None:
            return _given_slice(plan, plan.given, self.block * BLOCK_SIZE + start, n)
        uniforms = {name: u[start:stop] for name, u in self.uniforms.items()}
        drawn: Draws = {}
        if plan.sampler is not None:
            drawn |= self._compiled(n)
        if plan.inverted:
            drawn |= self._inverted(uniforms, n)
        for name, parameter in bid.parameters.items():
            spec = parameter.distribution
            if isinstance(spec, Fixed):
                drawn[name] = np.full(n, spec.value)
            elif name in plan.correlated or name in drawn:
                continue
            else:  # plain Monte Carlo of the kinds numpy draws directly
                drawn[name] = sample(spec, self.generators[name], n)
        if plan.correlated:
            drawn |= self._correlated(uniforms, n)
        drawn = {name: drawn[name] for name in bid.parameters}  # bid order
        return drawn, self._gates(drawn, uniforms, n)

    def _compiled(self, n: int) -> Draws:
        """Draw with the compiled sampler, into the compiled kernel's own rows: no copy."""
        sampler, bid = self.plan.sampler, self.plan.bid
        assert sampler is not None  # noqa: S101 - for the type checker
        rows = parameter_rows(len(bid.parameters), n)
        names = sampler.names
        sampler.draw(self.generators, scratch("raw draws", (len(names), n)), rows)
        return {name: rows[target] for name, target in zip(names, sampler.targets, strict=True)}

    def _inverted(self, uniforms: Draws, n: int) -> Draws:
        """Draw the parameters drawn by inverting uniforms, all at once."""
        plan = self.plan
        assert plan.stack is not None  # noqa: S101 - for the type checker
        shape = (len(plan.inverted), n)
        rows = scratch("uniforms to invert", shape)
        for row, name in zip(rows, plan.inverted, strict=True):
            if plan.method == "mc":
                self.generators[name].random(out=row)
            else:
                row[:] = uniforms[name]
        values = plan.stack(rows, out=scratch("inverted draws", shape),
                            work=scratch("inversion work", (3, *shape)))
        return dict(zip(plan.inverted, values, strict=True))

    def _correlated(self, uniforms: Draws, n: int) -> Draws:
        """Draw the correlated parameters, by the Gaussian copula."""
        plan = self.plan
        if plan.method == "mc":
            z = np.column_stack([self.generators[name].standard_normal(n)
                                 for name in plan.correlated])
        else:
            z = to_normal(np.column_stack([uniforms[name] for name in plan.correlated]))
        u = np.clip(to_uniform(correlate_normals(z, plan.correlation)), *OPEN_UNIT)
        return {name: inverse_cdf(plan.bid.parameters[name].distribution)(u[:, j])
                for j, name in enumerate(plan.correlated)}

    def _gates(self, drawn: Draws, uniforms: Draws, n: int) -> Draws:
        """Draw each success gate: 1 where the activity is delivered, else 0, shape (1, n)."""
        plan = self.plan
        gates: Draws = {}
        for gate, key in zip(plan.gates, self.gate_keys, strict=True):
            u_gate = (uniforms[key] if plan.method != "mc" else self.generators[key].random(n))
            success = plan.bid.node(gate).success
            probability = (drawn[success] if isinstance(success, str)
                           else float(1.0 if success is None else success))
            gates[gate] = (u_gate < probability).astype(np.float64)[np.newaxis, :]
        return gates


def _given_slice(plan: SamplingPlan, given: Draws, first: int, n: int) -> tuple[Draws, Draws]:
    """Return the given inputs of draws ``first`` to ``first + n``, as :class:`BlockDraws`."""
    rows = slice(first, first + n)
    drawn = {name: (np.ascontiguousarray(given[name][rows]) if name in given
                    else np.full(n, parameter.distribution.value))  # type: ignore[union-attr]
             for name, parameter in plan.bid.parameters.items()}
    gates = {gate: np.ascontiguousarray(given[gate_name(gate)][rows])[np.newaxis, :]
             for gate in plan.gates}
    return drawn, gates


def _uniforms(plan: SamplingPlan, block: int, size: int, dimensions: list[str]) -> Draws:
    """Uniforms for LHS or Sobol, one column per dimension; empty for plain Monte Carlo."""
    if plan.method == "mc" or not dimensions:
        return {}
    if plan.method == "lhs":
        uniforms = {}
        for name in dimensions:
            generator = block_generator(plan.root, name, block)
            uniforms[name] = np.clip(
                (generator.permutation(size) + generator.random(size)) / size, *OPEN_UNIT)
        return uniforms
    from scipy.stats import qmc

    sobol = qmc.Sobol(len(dimensions), scramble=True,
                      rng=block_generator(plan.root, "sobol", 0))
    if block:
        sobol.fast_forward(block * BLOCK_SIZE)
    points = np.clip(sobol.random(size), *OPEN_UNIT)
    return {name: points[:, j] for j, name in enumerate(dimensions)}

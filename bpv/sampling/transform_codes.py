"""Codes shared by the sampler's numpy front end and its compiled transform.

:class:`~bpv.sampling.compiled.CompiledSampler` records, for each parameter,
which transform turns its raw draws into values; the numba functions of
``bpv.sampling._transform_jit`` read the same codes. Kept apart from both so
that neither imports the other.
"""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = ["BERNOULLI", "LOGNORMAL", "NORMAL", "ONE_BITS", "TABLE", "TRIANGULAR", "UNIFORM"]

#: How a row's raw draws become values (the ``kinds`` of a compiled sampler):
#: the tabulated inverse CDF, numpy's triangular, uniform, Bernoulli, normal
#: and lognormal transforms.
TABLE, TRIANGULAR, UNIFORM, BERNOULLI, NORMAL, LOGNORMAL = range(6)

#: The bits of the float64 1.0: or-ed into 52 bits of mantissa, they make a
#: number in [1, 2), which is how the inverse tables read a position.
ONE_BITS: Final = int(np.float64(1.0).view(np.int64))

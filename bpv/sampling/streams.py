"""Random streams: one per named quantity and fixed block of draws.

This is the seeding scheme every random number in bpv comes from, and the
reason results are reproducible by construction:

- the user's ``rng`` (an int, a ``SeedSequence``, a ``Generator`` or None, as
  in Scientific Python's
  `SPEC 7 <https://scientific-python.org/specs/spec-0007/>`_) is turned once
  into a root :class:`numpy.random.SeedSequence`, whose entropy is recorded in
  the result so any run can be replayed;
- draws are split into fixed blocks of :data:`BLOCK_SIZE`; the stream for
  quantity ``name`` in block ``b`` is seeded by the root entropy and the spawn
  key ``(hash(name), b)``.

So the numbers drawn for a parameter depend on the seed, its *name* and the
block, never on the chunk size, the executor or the number of workers, and two
bids that share a parameter name see the same draws of it (common random
numbers).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from bpv._utils.validation import parameter_message
from bpv.errors import SpecError

__all__ = ["BLOCK_SIZE", "Seed", "block_generator", "name_key", "root_seed"]

#: Draws per block. Part of the reproducibility contract: changing it changes
#: every result, so it is fixed, not a setting.
BLOCK_SIZE = 65_536

Seed = int | np.random.SeedSequence | np.random.Generator | None


def root_seed(rng: Seed) -> np.random.SeedSequence:
    """Turn a user's ``rng`` into the root seed sequence of a run.

    Parameters
    ----------
    rng : int, numpy.random.SeedSequence, numpy.random.Generator or None
        None draws fresh entropy from the operating system; a Generator gives
        128 bits of entropy drawn from it (advancing it).

    Returns
    -------
    numpy.random.SeedSequence

    Raises
    ------
    SpecError
        If ``rng`` is of another type, or a negative int.

    Examples
    --------
    >>> root_seed(1).entropy
    1
    >>> root_seed(None).entropy > 0
    True
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        high, low = (int(x) for x in rng.integers(0, 2**63, size=2))
        return np.random.SeedSequence(high << 64 | low)
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return np.random.SeedSequence(int(rng))
    raise SpecError(parameter_message(
        "rng", None, "a non-negative int, a numpy SeedSequence, a numpy Generator or None", rng))


def name_key(name: str) -> int:
    """Return a stable 64-bit key for a name (the same on every platform and run).

    Examples
    --------
    >>> name_key("tariff") == name_key("tariff") != name_key("tarif")
    True
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def block_generator(root: np.random.SeedSequence, name: str, block: int) -> np.random.Generator:
    """Return the generator of quantity ``name`` for block ``block``.

    Parameters
    ----------
    root : numpy.random.SeedSequence
        The run's root seed.
    name : str
        What is drawn: a parameter name, or a key such as ``"gate:ward"``.
    block : int
        Block index: draws ``block * BLOCK_SIZE`` onwards.

    Examples
    --------
    >>> root = root_seed(7)
    >>> a = block_generator(root, "tariff", 0).random(3)
    >>> b = block_generator(root, "tariff", 0).random(3)
    >>> bool((a == b).all())
    True
    """
    spawn_key: tuple[Any, ...] = (*root.spawn_key, name_key(name), block)
    sequence = np.random.SeedSequence(root.entropy, spawn_key=spawn_key)
    return np.random.Generator(np.random.PCG64(sequence))

"""Per-world random streams: splitmix64, identical in numpy (here) and Cython (rng.pxd).

Each world owns one uint64 state in the packed World, so randomness is part of the state:
the same seed and actions replay bit for bit whatever the batch size.
"""

from __future__ import annotations

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def seed_states(seed: int, num_worlds: int) -> np.ndarray:
    """The initial state of each world: a hash of `seed + world_index`."""
    base = np.arange(num_worlds, dtype=np.uint64) + np.uint64(seed % (1 << 64))
    return _mix(base ^ np.uint64(0x5DEECE66D))


def next_u64(state: np.ndarray) -> np.ndarray:
    """Advance `state` in place (any shape) and return the next outputs, as rng.pxd does."""
    with np.errstate(over="ignore"):
        state += GOLDEN
    return _mix(state.copy())


def below(state: np.ndarray, n: int) -> np.ndarray:
    """Uniform-ish integers in [0, n) (multiply-shift on the high 32 bits), as rng.pxd does."""
    hi = next_u64(state) >> np.uint64(32)
    return ((hi * np.uint64(n)) >> np.uint64(32)).astype(np.int64)


def permutation(state: np.ndarray, n: int) -> np.ndarray:
    """A Fisher-Yates shuffle of range(n) drawn from one world's state (shape ())."""
    out = np.arange(n, dtype=np.int32)
    for i in range(n - 1, 0, -1):
        j = int(below(state, i + 1))
        out[i], out[j] = out[j], out[i]
    return out

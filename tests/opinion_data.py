"""Synthetic positions for the opinion-group tests and the bench: planted camps of opinion."""

import numpy as np

STANCES = np.array([1.0, 0.5, -1.0], dtype=np.float32)  # endorse, reservations, oppose


def planted(
    *,
    camps: int,
    per_camp: int,
    recommendations: int = 20,
    noise: float = 0.05,
    answered: float = 0.8,
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(values, true camp of each row). Each camp endorses or opposes each recommendation
    (camps differ on at least a third of them); a participant answers a share of the
    recommendations, and with probability `noise` takes a random stance instead."""
    rng = np.random.default_rng(seed)
    profiles = rng.choice([1.0, -1.0], size=(camps, recommendations))
    for c in range(1, camps):  # make every camp clearly different from the first
        flip = rng.choice(recommendations, size=recommendations // 2, replace=False)
        profiles[c, flip] = -profiles[0, flip]
    truth = np.repeat(np.arange(camps), per_camp)
    values = profiles[truth].astype(np.float32)
    noisy = rng.random(values.shape) < noise
    values[noisy] = rng.choice(STANCES, size=int(noisy.sum()))
    values[rng.random(values.shape) > answered] = np.nan
    order = rng.permutation(len(truth))
    return values[order], truth[order]

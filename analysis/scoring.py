"""Proper scores of probabilistic forecasts on the log scale: log error, the interval score and
the CRPS, for a (location-scale) Student-t predictive distribution.

Kept apart from the models so that each formula can be checked against a closed form or a
numeric integral (tests/test_scoring.py). References: Gneiting & Raftery (2007), "Strictly
proper scoring rules, prediction, and estimation", JASA 102, eqs. (43) interval score and
(20) CRPS; the Student-t CRPS closed form as in Jordan, Krüger & Lerch (2019), scoringRules.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special, stats


def quantile(level: float, dof) -> np.ndarray:
    """Upper quantile multiplier of a central ``level`` interval: t_dof (normal when dof is inf)."""
    q = 0.5 + level / 2
    dof = np.asarray(dof, dtype=float)
    return np.where(np.isinf(dof), stats.norm.ppf(q), stats.t.ppf(q, np.where(np.isinf(dof), 1.0, dof)))


def interval_score(lower, upper, y, level: float):
    """Gneiting & Raftery's interval score of a central ``level`` interval (lower is better):
    width + (2/α)·(lower − y) if y < lower + (2/α)·(y − upper) if y > upper, with α = 1 − level."""
    alpha = 1 - level
    lower, upper, y = (np.asarray(v, dtype=float) for v in (lower, upper, y))
    return (upper - lower) + 2 / alpha * np.maximum(lower - y, 0) + 2 / alpha * np.maximum(y - upper, 0)


def crps_t(y, loc, scale, dof):
    """CRPS of a location-scale Student-t (normal when dof is inf) at observation ``y``.

    For dof > 1: with z = (y − loc)/scale, F and f the standard t cdf and pdf,
    CRPS = scale·[ z(2F(z) − 1) + 2f(z)(ν + z²)/(ν − 1) − 2√ν B(½, ν − ½) / ((ν − 1) B(½, ν/2)²) ].
    """
    y, loc, scale, dof = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (y, loc, scale, dof)))
    z = (y - loc) / scale
    out = np.empty_like(z)
    normal = np.isinf(dof)
    zn = z[normal]
    out[normal] = zn * (2 * stats.norm.cdf(zn) - 1) + 2 * stats.norm.pdf(zn) - 1 / math.sqrt(math.pi)
    nu, zt = dof[~normal], z[~normal]
    if np.any(nu <= 1):
        raise ValueError("the CRPS of a t distribution needs more than 1 degree of freedom")
    out[~normal] = (zt * (2 * stats.t.cdf(zt, nu) - 1)
                    + 2 * stats.t.pdf(zt, nu) * (nu + zt ** 2) / (nu - 1)
                    - 2 * np.sqrt(nu) * special.beta(0.5, nu - 0.5) / ((nu - 1) * special.beta(0.5, nu / 2) ** 2))
    return scale * out

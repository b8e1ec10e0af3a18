"""Scoring formulas against closed forms, numeric integrals and scipy."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from analysis import scoring


def test_t_quantile_half_widths_against_normal():
    # With 4 df, t-based 80% and 95% half-widths are ~20% and ~42% wider than normal ones (issue 13).
    r80 = scoring.quantile(0.8, 4) / stats.norm.ppf(0.9)
    r95 = scoring.quantile(0.95, 4) / stats.norm.ppf(0.975)
    assert r80 == pytest.approx(1.5332 / 1.2816, rel=1e-3) and 1.18 < r80 < 1.21
    assert r95 == pytest.approx(2.7764 / 1.9600, rel=1e-3) and 1.40 < r95 < 1.43
    assert scoring.quantile(0.8, math.inf) == pytest.approx(stats.norm.ppf(0.9))


def test_interval_score_by_hand():
    # inside: width only; below: width + 2/α·miss; above likewise
    assert scoring.interval_score(1, 3, 2, 0.8) == pytest.approx(2)
    assert scoring.interval_score(1, 3, 0.5, 0.8) == pytest.approx(2 + 2 / 0.2 * 0.5)
    assert scoring.interval_score(1, 3, 4, 0.5) == pytest.approx(2 + 2 / 0.5 * 1)


def test_interval_score_is_proper_in_expectation():
    # For a N(0,1) truth, the central-80% interval has the lowest expected score among shifted ones.
    ys = stats.norm.ppf(np.linspace(0.0005, 0.9995, 4000))
    q = stats.norm.ppf(0.9)
    best = scoring.interval_score(-q, q, ys, 0.8).mean()
    for lo, hi in ((-q + 0.2, q + 0.2), (-0.8 * q, 0.8 * q), (-1.2 * q, 1.2 * q)):
        assert scoring.interval_score(lo, hi, ys, 0.8).mean() > best


def _crps_numeric(dist, y):
    f = lambda x: (dist.cdf(x) - (x >= y)) ** 2  # noqa: E731
    a, b = dist.ppf(1e-10), dist.ppf(1 - 1e-10)
    lo = integrate.quad(f, a, y, limit=200)[0]
    hi = integrate.quad(f, y, b, limit=200)[0]
    return lo + hi


@pytest.mark.parametrize("dof", [2.5, 4.0, 30.0])
@pytest.mark.parametrize("y", [-1.3, 0.0, 0.7, 3.0])
def test_crps_t_equals_the_integral(dof, y):
    loc, scale = 0.2, 0.5
    want = _crps_numeric(stats.t(dof, loc, scale), y)
    assert float(scoring.crps_t(y, loc, scale, dof)) == pytest.approx(want, rel=2e-4, abs=1e-6)


def test_crps_normal_closed_form_and_limit():
    y, loc, scale = 0.9, 0.1, 0.3
    z = (y - loc) / scale
    want = scale * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
    assert float(scoring.crps_t(y, loc, scale, math.inf)) == pytest.approx(want)
    assert float(scoring.crps_t(y, loc, scale, 1e6)) == pytest.approx(want, rel=1e-4)
    with pytest.raises(ValueError):
        scoring.crps_t(y, loc, scale, 1.0)

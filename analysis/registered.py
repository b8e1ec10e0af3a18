"""Registered forecasts: frozen forecast sets, read back byte for byte, and scored against what
happened.

Why this module exists: a forecast that can be rewritten after its outcome is known proves
nothing. Each set in ``data/registered/<set>/`` holds the exact bytes of a ``forecasts.csv`` the
compendium once committed, and a ``manifest.json`` that says which commit it came from, when,
from which information set and with which methods, and the file's SHA-256. Nothing in that folder
is ever rewritten (``tests/test_registered.py`` checks the hashes, and that git history holds no
modification of a registered file); a later set is a new folder.

A registered file holds, for each series, model and year, the median and three central intervals
(50, 80 and 95%): seven quantiles of the predictive distribution, no more. Scoring uses exactly
those, with the real-time record's rules (:mod:`analysis.evaluation`: the outcome is the first
data figure published after the set's information-set date; a pair is comparable when both follow
one definition) and its formulas (:mod:`analysis.scoring`):

* error = log(median / outcome); coverage of each registered interval: the outcome inside it;
  the 80% interval score: :func:`analysis.scoring.interval_score` on the log scale. All exact.
* PIT and CRPS need the whole distribution. For a Student-t row (``t(ν)`` with its ``dof``) it is
  recovered exactly: location = log median, scale = (log upper − log median) / t_ν quantile, the
  same for each level to rounding; then the t's CDF and :func:`analysis.scoring.crps_t`. For a
  mixture (decay, nowcast, ETS, the combination) only the seven quantiles survive: the quantile
  function is interpolated through them, monotone (PCHIP) on the normal-score scale, with normal
  tails beyond the 2.5% and 97.5% quantiles, and the CRPS is 2·∫₀¹ QS_τ dτ over it (Gneiting &
  Raftery 2007, eq. 18; Laio & Tamea 2007). ``crps_method`` in the table says which; on the t rows
  the approximation is tested against the closed form.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import interpolate, stats

from analysis import evaluation, scoring
from analysis.base import paths

#: Where the registered sets live (tracked; never written by a build).
FOLDER = paths.DATA / "registered"
#: The manifest's fields, in order.
MANIFEST_FIELDS = ("set", "file", "sha256", "bytes", "commit", "commit_date", "information_set", "report_edition",
                   "registered", "methods", "note")
#: A set's folder name.
SET_NAME = re.compile(r"set-[1-9][0-9]{0,2}")
@dataclass(frozen=True)
class RegisteredSet:
    """One frozen forecast set: its manifest and its forecasts as registered."""

    name: str
    manifest: dict
    forecasts: pd.DataFrame


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load(folder: Path | None = None) -> list[RegisteredSet]:
    """Every registered set, in order, each checked against its manifest (fields, name, hash and
    size): a set that does not match its manifest stops here, naming the file."""
    folder = Path(folder) if folder is not None else FOLDER
    sets = []
    for d in sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: int(p.name.split("-")[1])
                    if SET_NAME.fullmatch(p.name) else -1):
        if not SET_NAME.fullmatch(d.name):
            raise ValueError(f"{paths.rel(d)}: not a set folder (set-N)")
        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if tuple(m) != MANIFEST_FIELDS:
            raise ValueError(f"{paths.rel(d / 'manifest.json')}: fields {tuple(m)}, expected {MANIFEST_FIELDS}")
        if m["set"] != d.name:
            raise ValueError(f"{paths.rel(d / 'manifest.json')}: set {m['set']!r} in folder {d.name}")
        f = d / m["file"]
        data = f.read_bytes()
        if len(data) != m["bytes"] or hashlib.sha256(data).hexdigest() != m["sha256"]:
            raise ValueError(f"{paths.rel(f)}: its bytes are not those registered (sha256 {m['sha256']})")
        sets.append(RegisteredSet(d.name, m, pd.read_csv(f)))
    return sets


# ----------------------------------------------------------------------------- predictive distributions

_T = re.compile(r"t\((\d+(?:\.\d+)?)\)")


class Predictive:
    """The predictive distribution of one registered (series, model, year), on the log scale, from
    its registered rows (median and central intervals)."""

    def __init__(self, rows: pd.DataFrame):
        rows = rows.dropna(subset=["level"]).sort_values("level")
        self.median = float(rows["median"].iloc[0]) if len(rows) else math.nan
        self.levels = tuple(float(v) for v in rows["level"])
        self.intervals = {float(r["level"]): (float(r["lower"]), float(r["upper"])) for _, r in rows.iterrows()}
        dist = str(rows["distribution"].iloc[0]) if len(rows) else "none"
        self.kind = "point" if not len(rows) else ("t" if _T.fullmatch(dist) else "quantiles")
        if self.kind == "t":
            self.dof = float(rows["dof"].iloc[0])
            lm = math.log(self.median)
            scales = [(math.log(hi) - lm) / stats.t.ppf(0.5 + lv / 2, self.dof) for lv, (_, hi) in self.intervals.items()]
            self.loc, self.scale = lm, float(np.mean(scales))
            self.scale_spread = float(max(scales) - min(scales))
        if self.kind != "point":
            taus, logs = [0.5], [math.log(self.median)]
            for lv, (lo, hi) in self.intervals.items():
                taus += [0.5 - lv / 2, 0.5 + lv / 2]
                logs += [math.log(lo), math.log(hi)]
            order = np.argsort(taus)
            self.taus, self.log_q = np.asarray(taus)[order], np.asarray(logs)[order]
            z = stats.norm.ppf(self.taus)
            self._q = interpolate.PchipInterpolator(z, self.log_q, extrapolate=False)
            self._z, self._lo_slope = z, (self.log_q[1] - self.log_q[0]) / (z[1] - z[0])
            self._hi_slope = (self.log_q[-1] - self.log_q[-2]) / (z[-1] - z[-2])

    def log_quantile(self, tau) -> np.ndarray:
        """The interpolated quantile function (normal tails beyond the outermost quantiles)."""
        z = stats.norm.ppf(np.asarray(tau, dtype=float))
        q = self._q(np.clip(z, self._z[0], self._z[-1]))
        q = np.where(z < self._z[0], self.log_q[0] + self._lo_slope * (z - self._z[0]), q)
        return np.where(z > self._z[-1], self.log_q[-1] + self._hi_slope * (z - self._z[-1]), q)

    def pit(self, y_log: float) -> float:
        if self.kind == "point":
            return math.nan
        if self.kind == "t":
            return float(stats.t.cdf((y_log - self.loc) / self.scale, self.dof))
        from scipy import optimize

        f = lambda tau: float(self.log_quantile(tau)) - y_log  # noqa: E731 - monotone in tau
        lo, hi = 1e-12, 1 - 1e-12
        if f(lo) >= 0:
            return 0.0
        if f(hi) <= 0:
            return 1.0
        return float(optimize.brentq(f, lo, hi, xtol=1e-12))

    def crps_quantiles(self, y_log: float, n: int = 4000) -> float:
        """2·∫₀¹ QS_τ(q(τ), y) dτ over the interpolated quantile function (midpoint rule)."""
        tau = (np.arange(n) + 0.5) / n
        q = self.log_quantile(tau)
        return float(2 * np.mean(((y_log < q).astype(float) - tau) * (q - y_log)))

    def crps(self, y_log: float) -> tuple[float, str]:
        if self.kind == "point":
            return math.nan, ""
        if self.kind == "t" and self.dof > 1:
            return float(scoring.crps_t(y_log, self.loc, self.scale, self.dof)), "t closed form"
        return self.crps_quantiles(y_log), "from the 7 registered quantiles"


# ----------------------------------------------------------------------------- scores

COLUMNS = ["set", "information_set", "methods_fitted", "series", "model", "target_year", "horizon", "median",
           "outcome", "outcome_id", "outcome_vintage", "outcome_published", "same_definition", "error_log",
           "error_pct", "pit", "covered_50", "covered_80", "covered_95", "lower_80", "upper_80",
           "interval_score_80", "crps_log", "crps_method"]


def score(sets: list[RegisteredSet], outcome_of, definition, after_outcome: frozenset[str] = frozenset()) -> pd.DataFrame:
    """One row per registered set × model × series × target year that has an outcome.

    ``outcome_of(series, year, after)`` returns the first data figure for that year published after
    ``after`` (a row with ``value``, ``id``, ``vintage``, ``known_from``), or None:
    :meth:`analysis.evaluation.Outcomes.first`, the real-time record's rule. ``definition(series,
    vintage)`` is :func:`analysis.assembly.definition`: a pair is comparable when the outcome's
    vintage follows the definition of the report edition the set was made beside (its manifest's
    ``report_edition``, whose series the forecasts were fitted on). ``after_outcome``: the sets
    whose methods were settled with the outcome in view; their rows say so (``methods_fitted``).
    """
    rows = []
    for s in sets:
        origin = s.manifest["information_set"]
        f = s.forecasts
        for (series, model, year), g in f.groupby(["series", "model", "year"], sort=True):
            out = outcome_of(series, int(year), origin)
            if out is None:
                continue
            y = float(out["value"])
            ly = math.log(y)
            p = Predictive(g)
            med = float(g["median"].iloc[0])
            crps, how = p.crps(ly)
            row = dict(set=s.name, information_set=origin,
                       methods_fitted="after the outcome" if s.name in after_outcome else "before the outcome",
                       series=series, model=model, target_year=int(year), horizon=evaluation.horizon(int(year), origin),
                       median=med, outcome=y, outcome_id=out["id"], outcome_vintage=out["vintage"],
                       outcome_published=out["known_from"],
                       same_definition=bool(definition(series, out["vintage"]) == definition(series, s.manifest["report_edition"])),
                       error_log=math.log(med / y), error_pct=(med / y - 1) * 100, pit=p.pit(ly),
                       crps_log=crps, crps_method=how)
            for lv in (0.5, 0.8, 0.95):
                lo_hi = p.intervals.get(lv)
                row[f"covered_{int(lv * 100)}"] = (None if lo_hi is None else bool(lo_hi[0] <= y <= lo_hi[1]))
            lo, hi = p.intervals.get(0.8, (math.nan, math.nan))
            row.update(lower_80=lo, upper_80=hi,
                       interval_score_80=(float(scoring.interval_score(math.log(lo), math.log(hi), ly, 0.8))
                                          if 0.8 in p.intervals else math.nan))
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)

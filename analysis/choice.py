"""The rule that picks the default combination, written before any score is computed.

Why this module exists: a combination chosen after looking at the scores is fitted to them. So
the rule is fixed here, in words (:data:`RULE`, printed by notebook 02 before its record) and in
code (:func:`default_combination`), and then applied to the real-time evaluation of pre-cut-off
pairs. It can change only by editing this module, and the change shows in the history.
"""
from __future__ import annotations

import numpy as np

from analysis.domain import MIN_PAIRS  # pairs a model needs before its record may weigh it

#: The three views of growth the data cannot decide between: it persists (drift), it reverts
#: (decay), or it keeps its latest momentum for a year and then reverts (nowcast).
CANDIDATES = ("drift", "decay", "nowcast")

RULE = (
    "1. Members: drift (growth persists), decay (growth reverts) and nowcast (momentum, then reversion), "
    "the three views of growth two or three points cannot decide between. The log-linear trend repeats drift, "
    "and the damped trend's bend is its damping prior: they stay sensitivity checks. A series with no half-year "
    "figure has no nowcast.\n"
    "2. A member whose median at the report's horizon breaks a stated plausibility bound (analysis/coherence.py: "
    "China's AI-server market above the whole world's) is left out for that series: coherence with the same "
    "sources, not a score.\n"
    f"3. Weights are equal, unless every member has at least {MIN_PAIRS} comparable real-time pairs with a "
    "predictive distribution; then they are proportional to 1 / (mean CRPS).")


def weights(members: list[str], scores=None) -> tuple[np.ndarray, str]:
    """The members' weights under :data:`RULE` point 3, and why."""
    if scores is not None and len(members):
        s = scores[(scores["forecaster_type"] == "model") & (scores["horizon"] == "all")].set_index("forecaster")
        n = [int(s.at[m, "n_distribution"]) if m in s.index else 0 for m in members]
        if min(n) >= MIN_PAIRS:
            crps = np.array([float(s.at[m, "crps_log"]) for m in members])
            w = (1 / crps) / (1 / crps).sum()
            return w, "weights proportional to 1 / mean CRPS (every member has 5 or more scored pairs)"
        few = ", ".join(f"{m} {k}" for m, k in zip(members, n))
        return np.full(len(members), 1 / len(members)), f"equal weights: too few scored pairs to weigh ({few})"
    return np.full(len(members), 1 / len(members)), "equal weights"


def default_combination(fits: dict, scores=None, implausible: frozenset[str] = frozenset()):
    """The default combination of one series' models under :data:`RULE`."""
    from analysis.forecasting import mixture

    members = [m for m in CANDIDATES if m in fits and m not in implausible]
    if not members:  # every candidate breaks the bound: say so, and keep them all
        members = [m for m in CANDIDATES if m in fits]
    w, why = weights(members, scores)
    left = sorted(set(CANDIDATES) & set(fits) & set(implausible))
    note = f"mixture of {', '.join(members)}; {why}" + (f"; left out as implausible: {', '.join(left)}" if left else "")
    return mixture("combination", [(fits[m], float(x)) for m, x in zip(members, w)], [note])

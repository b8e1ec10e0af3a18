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
    "2. No member is left out for coherence (issue 26: the rule of issue 19 dropped the nowcast for a median at "
    "1.06x the world bound, inside the bound's own 80% band, and left a one-member combination with 42.5% of its "
    "mass above the bound). Coherence acts on the predictive distribution: where a bound has a band (China's "
    "AI-server market against the world's, triangulated in analysis/world.py), each member's weight from point 3 "
    "is multiplied by the probability that its value at the report's horizon lies below the bound (the bound "
    "itself uncertain over its band), and the weights are renormalised; if no member has any mass below, the "
    "weights of point 3 stand. The plausibility table gives every model's mass beyond every bound. A combination "
    "of one member is that member, and is named so wherever it is quoted.\n"
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


def coherence_weights(members: list[str], w: np.ndarray, below: dict[str, float] | None) -> tuple[np.ndarray, str]:
    """Point 2: ``w`` times each member's probability of lying below the bound (``below``), renormalised."""
    if not below:
        return w, ""
    p = np.array([float(below.get(m, 1.0)) for m in members])
    if not np.any(p * w > 0):
        return w, "; no member has mass below the bound: the weights stand"
    out = w * p / float((w * p).sum())
    return out, "; times each member's probability below the bound (" + ", ".join(
        f"{m} {x:.2f}" for m, x in zip(members, p)) + ")"


def name_of(combination) -> str:
    """What a combination is called where it is quoted: its one member's name when it has one
    member with any weight (point 2), else "combination"."""
    return combination.member_names[0] if len(combination.member_names) == 1 else "combination"


def default_combination(fits: dict, scores=None, below: dict[str, float] | None = None):
    """The default combination of one series' models under :data:`RULE` (``below``: each member's
    probability of lying below a banded bound at the report's horizon, point 2)."""
    from analysis.forecasting import mixture

    members = [m for m in CANDIDATES if m in fits]
    w, why = weights(members, scores)
    w, how = coherence_weights(members, w, below)
    kept = [(m, float(x)) for m, x in zip(members, w) if x > 0]
    note = f"mixture of {', '.join(m for m, _ in kept)}; {why}{how}"
    if len(kept) == 1:
        note = f"{kept[0][0]} alone (a combination of one member); {why}{how}"
    comb = mixture("combination", [(fits[m], x) for m, x in kept], [note])
    comb.member_names = [m for m, _ in kept]
    return comb

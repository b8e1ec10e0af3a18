"""The audit figure: each claim of the report against the tolerance its stated precision allows."""
from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from analysis.charts.style import GREY, SOURCE_SHORT, color_scale, finish, stable, tips, wrapped_labels

AUDIT_RULES = {"equal": "equal within tolerance (two-sided)",
               "greater": "'more than' claim: one-sided, fails only below",
               "revision": "revision between editions"}


def short_description(text: str, limit: int = 120) -> str:
    """A check's description, short enough for an axis label: cut at a word, never mid-word."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def audit_chart(audit, title: str | None = None):
    """One row per claim, one mark per claim in its verdict's colour (so the number of vermillion
    marks is the number of claims the title calls inconsistent), at the gap between stated and
    recomputed as a multiple of the tolerance the stated precision allows (1 = at the tolerance):
    a unit-free scale, so a date check (days) sits beside a percentage. A claim checked more than
    once (two sources, both bounds of a range, two readings) shows its other checks as grey rings
    joined by a grey rule. ``title`` states the message (see :func:`analysis.findings.audit_title`)."""
    from analysis import findings

    a = audit[audit["verdict"] != "implication"].copy()
    a["ratio"] = [stable(min(abs(float(d)) / float(t), 50.0)) if float(t) > 0 else 0.0
                  for d, t in zip(a["difference"], a["tolerance"])]
    claims = findings.claim_verdicts(audit).set_index("claim")
    a["claim_verdict"] = a["claim"].map(claims["verdict"])
    a["label"] = a["claim"].map(lambda c: short_description(c, 62))
    a["rule_label"] = a["rule"].map(AUDIT_RULES).fillna(a["rule"])
    # the claim's mark: its check nearest to agreement (the reading most favourable to the report)
    best = a.sort_values(["claim", "ratio"], kind="stable").drop_duplicates("claim")
    order = list(best.sort_values("ratio", kind="stable")["label"])
    verdicts = [v for v in findings.CLAIM_VERDICTS if v in set(best["claim_verdict"])]
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=200, labelFontSize=10,
                                                               labelExpr=wrapped_labels(best["label"], 32)))
    xs = alt.Scale(type="symlog", domain=[0, 60], nice=False)
    x = alt.X("ratio:Q", title=["gap ÷ tolerance (1: at the tolerance)", "symlog scale"], scale=xs,
              axis=alt.Axis(values=[0, 0.5, 1, 2, 5, 10, 20, 50]))
    spans = a.groupby("label", as_index=False).agg(low=("ratio", "min"), high=("ratio", "max"))
    spans = spans[spans["high"] > spans["low"]]
    rule_at_one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(color=GREY, strokeDash=[4, 3]).encode(
        x=alt.X("x:Q", scale=xs))
    span = alt.Chart(spans).mark_rule(color="#b5b5b5", strokeWidth=2).encode(
        x=alt.X("low:Q", scale=xs), x2="high:Q", y=y)
    others = a[~a["check_id"].isin(best["check_id"])]
    rings = alt.Chart(others).mark_point(color="#8a8a8a", size=50, strokeWidth=1.3).encode(
        x=x, y=y, tooltip=tips("check_id", "description", "stated", "recomputed", "formula", "precision", "rule",
                               alt.Tooltip("verdict:N", title="this check's verdict"), "comment"))
    pts = alt.Chart(best).mark_point(filled=True, size=90, opacity=1).encode(
        x=x, y=y, color=alt.Color("claim_verdict:N", title="The claim", legend=alt.Legend(orient="bottom", direction="vertical"),
                                  scale=color_scale(verdicts)),
        shape=alt.Shape("rule_label:N", legend=None,
                        scale=alt.Scale(domain=list(AUDIT_RULES.values()), range=["circle", "triangle-right", "square"])),
        tooltip=tips("claim", "check_id", "description", "stated", "recomputed", "formula", "precision", "rule",
                     alt.Tooltip("claim_verdict:N", title="the claim's verdict"), "comment"))
    chart = alt.layer(rule_at_one, span, rings, pts).properties(width=170, height=34 * len(best))
    n_impl = int((audit["verdict"] == "implication").sum())
    head = title or "Auditing the report's arithmetic at the precision it was stated with"
    return finish(chart, textwrap.wrap(head, 40),
                  textwrap.wrap(
                      f"One row per claim ({len(best)} claims, {len(a)} checks): its mark, in the claim's colour, is the "
                      "check nearest to agreement; grey rings, its other checks (another source, bound or reading). "
                      "Right of the dashed line: the gap exceeds the tolerance that the digits and qualifiers of the "
                      "inputs allow (38 stated means 37.5 to 38.5). Triangle: a 'more than' claim, which fails only below; "
                      "square: a revision between editions. "
                      f"{n_impl} implications are not tests.", 62),
                  SOURCE_SHORT, "Consistency audit of the report's claims: the gap between stated and recomputed, "
                                   "as a multiple of each check's tolerance.")

"""Clicks versus conversion on a page: per clicked element (by its label) a 2 × 2 table of clicked / not clicked
against converted / not converted, the sample odds ratio and Fisher's exact test, Benjamini–Hochberg over the
elements, and the quadrant the source names ("many clicks, low conversion: the content needs work")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from replaylens.analysis import stats as S

QUADRANTS = {
    (True, False): "many clicks, low conversion: the content needs work",
    (True, True): "many clicks, high conversion: working as intended",
    (False, True): "few clicks, high conversion: consider simplifying or promoting it",
    (False, False): "few clicks, low conversion: little effect either way",
}
#: An element every session of the page clicked: clickers are everyone, there is nothing to compare.
EVERYONE = "clicked by every session that saw the page: nothing to compare"


def clicks_vs_conversion(labels: Sequence[str], clicked: np.ndarray, converted: np.ndarray,
                         q: float = S.ALPHA) -> dict[str, Any]:
    """``clicked`` is (sessions, elements) bool; ``converted`` is (sessions,) bool. Sessions are those that saw
    the page. "Many clicks" means a click share at or above the median element's (so of three elements the
    middle one counts as many: issue 29's "Get started", clicked by 41 %, was "few clicks"); "high conversion"
    means clickers convert more often than the page's sessions overall."""
    c = np.asarray(clicked, bool)
    conv = np.asarray(converted, bool)
    n = int(c.shape[0])
    overall = float(conv.mean()) if n else 0.0
    clickers = c.sum(axis=0)
    share = clickers / n if n else np.zeros(len(labels))
    median_share = float(np.median(share)) if len(labels) else 0.0
    rows, pvals = [], []
    for j, label in enumerate(labels):
        k = int(clickers[j])
        xc = int((c[:, j] & conv).sum())
        xn = int((~c[:, j] & conv).sum())
        odds, p = S.fisher(xc, k, xn, n - k) if 0 < k < n else (float("nan"), 1.0)
        pvals.append(p)
        rate_c = xc / k if k else 0.0
        rate_n = xn / (n - k) if n - k else 0.0
        many, high = bool(share[j] >= median_share), bool(rate_c > overall)
        ci = [S.wilson(a, b) for a, b in ((k, n), (xc, k), (xn, n - k))]
        rows.append({"label": label, "clicked": k, "share_clicked": float(share[j]),
                     "share_clicked_ci95": [float(ci[0][0]), float(ci[0][1])],
                     "converted_clickers": xc, "conversion_clickers": rate_c,
                     "conversion_clickers_ci95": [float(ci[1][0]), float(ci[1][1])],
                     "conversion_non_clickers": rate_n,
                     "conversion_non_clickers_ci95": [float(ci[2][0]), float(ci[2][1])],
                     "odds_ratio": odds, "p": p, "click_rate": "high" if many else "low",
                     "conversion_level": "same" if k == n else "high" if high else "low",
                     "quadrant": EVERYONE if k == n else QUADRANTS[(many, high)]})
    reject, adj = S.adjust(pvals, "fdr_bh", q)
    for row, r, pa in zip(rows, reject, adj, strict=True):
        row["p_adjusted"] = float(pa)
        row["significant"] = bool(r)
    lo, hi = S.wilson(int(conv.sum()), n)
    return {"sessions": n, "converted": int(conv.sum()), "conversion": overall,
            "conversion_ci95": [float(lo), float(hi)], "median_share_clicked": median_share, "elements": rows}

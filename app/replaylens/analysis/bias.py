"""The sampling-bias report: a library's segment shares against known population shares, and conversion and
friction rates reweighted to the population (post-stratification).

Per attribute of the population table: the library's count and share of each value (Wilson interval), the
population's share, a two-sided exact binomial test of each share (Benjamini–Hochberg over every segment of the
report) and the χ² goodness-of-fit of the whole mix; the post-stratification weight of each value (population
share / library share, Holt & Smith 1979); every goal's conversion and every friction kind's session rate, raw
(Wilson) and reweighted, ``sum_g W_g p_g`` with the stratified variance ``sum_g W_g^2 p_g (1 - p_g) / n_g``
(Lohr, *Sampling*, 2nd ed., §4.2) and a normal 95 % interval. Attributes are reweighted one at a time (no raking).
Sessions without the attribute, or with a value the population table does not list, are counted and left out.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats as sps

from replaylens.analysis import stats as S
from replaylens.model.segment import Segment
from replaylens.store import aggregate as Q

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: A segment with fewer library sessions than this gets no reweighted rate (its p_g is too rough to carry).
MIN_STRATUM = 1


class UnknownNameError(ValueError):
    """An attribute or value of the population table that the library does not have; the message suggests."""


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if close:
        return f"did you mean {', '.join(close)}?"
    return f"known: {', '.join(known[:12])}{' …' if len(known) > 12 else ''}" if known else "the library has none"


def _check_names(lib: LibraryStore, segment: Segment | None, population: dict[str, dict[str, float]]
                 ) -> dict[str, tuple[list[str], list[str | None]]]:
    keys = sorted({k.name for k in lib.attribute_keys()} | {"device_class", "site", "source_format"})
    out = {}
    for attr, shares in population.items():
        if attr not in keys:
            raise UnknownNameError(f"unknown attribute {attr!r}: {suggest(attr, keys)}")
        ids, values = Q.members(lib, segment, attr)
        known = sorted({v for v in values if v is not None})
        for value in shares:
            if value not in known:
                raise UnknownNameError(f"no session has {attr}={value}: {suggest(value, known)}")
        out[attr] = (ids, values)
    return out


def _rate_rows(names: list[str], hit: dict[str, np.ndarray], codes: np.ndarray, W: np.ndarray,
               n_g: np.ndarray) -> list[dict[str, Any]]:
    """Raw and reweighted rate of each ``hit`` flag array among the sessions with a stratum (codes >= 0)."""
    rows = []
    covered = codes >= 0
    for name in names:
        flags = hit[name]
        x = int(flags[covered].sum())
        n = int(covered.sum())
        lo, hi = S.wilson(x, n)
        x_g = np.bincount(codes[covered], weights=flags[covered].astype(float), minlength=W.shape[0])
        row: dict[str, Any] = {"name": name, "sessions": n, "hits": x, "raw": x / n if n else None,
                               "raw_ci95": [float(lo), float(hi)]}
        if (n_g < MIN_STRATUM).any():
            row.update(reweighted=None, ci95=None, note="a population segment has no sessions: cannot reweight")
        else:
            p_g = x_g / n_g
            est = float((W * p_g).sum())
            se = float(np.sqrt((W**2 * p_g * (1 - p_g) / n_g).sum()))
            z = float(sps.norm.ppf(1 - S.ALPHA / 2))
            row.update(reweighted=est, ci95=[max(0.0, est - z * se), min(1.0, est + z * se)],
                       change=est - (x / n) if n else None)
        rows.append(row)
    return rows


def bias_report(lib: LibraryStore, segment: Segment | None, population: dict[str, dict[str, float]]
                ) -> dict[str, Any]:
    """The report (JSON shape in docs/analysis.md). Raises UnknownNameError for an attribute or value the
    library's sessions do not have."""
    members = _check_names(lib, segment, population)
    all_ids, _ = Q.members(lib, segment)
    goals = sorted(g.name for g in lib.goals())
    flags_all = Q.finding_flags(lib, all_ids, segment)
    kinds = sorted(flags_all)
    attrs: list[dict[str, Any]] = []
    pvals: list[float] = []
    where: list[tuple[int, int]] = []
    for attr, shares in population.items():
        ids, values = members[attr]
        order = [v for v in shares if shares[v] > 0]
        index = {v: i for i, v in enumerate(order)}
        codes = np.array([index.get(v, -1) if v is not None else -1 for v in values], np.int64)
        n_g = np.bincount(codes[codes >= 0], minlength=len(order)).astype(float)
        N = int(n_g.sum())
        pop = np.array([shares[v] for v in order], float)
        W = pop / pop.sum()
        lo, hi = S.wilson(n_g.astype(np.int64), N)
        weights = S.poststrat_weights(n_g, pop)
        segs = []
        for i, v in enumerate(order):
            p = float(sps.binomtest(int(n_g[i]), N, float(W[i])).pvalue) if N else 1.0
            pvals.append(p)
            where.append((len(attrs), i))
            segs.append({"value": v, "sessions": int(n_g[i]), "share": n_g[i] / N if N else 0.0,
                         "share_ci95": [float(lo[i]), float(hi[i])], "population_share": float(W[i]),
                         "weight": float(weights[i]), "p": p})
        hit = {g: np.zeros(len(ids), bool) for g in goals}
        for g in goals:
            k, _t = Q.step_hits(lib, ids, "goal", g, segment)
            hit[g][k] = True
        pos = {sid: j for j, sid in enumerate(all_ids)}
        take = np.array([pos[s] for s in ids], np.int64)
        fhit = {kd: flags_all[kd][take] for kd in kinds}
        attrs.append({"attribute": attr, "sessions": N, "sessions_without_value": int((codes < 0).sum()),
                      "values_not_in_population": sorted({v for v in values if v is not None} - set(order)),
                      "chi2_p": S.goodness_of_fit(n_g, W) if N and len(order) > 1 else None,
                      "segments": segs, "conversion": _rate_rows(goals, hit, codes, W, n_g),
                      "friction": _rate_rows(kinds, fhit, codes, W, n_g)})
    reject, adj = S.adjust(pvals, "fdr_bh", S.ALPHA) if pvals else (np.zeros(0, bool), np.zeros(0))
    under: list[str] = []
    over: list[str] = []
    for (a, i), r, pa in zip(where, reject, adj, strict=True):
        seg = attrs[a]["segments"][i]
        seg["p_adjusted"] = float(pa)
        seg["under_represented"] = bool(r and seg["share"] < seg["population_share"])
        seg["over_represented"] = bool(r and seg["share"] > seg["population_share"])
        label = f"{attrs[a]['attribute']}={seg['value']}"
        if seg["under_represented"]:
            under.append(label)
        elif seg["over_represented"]:
            over.append(label)
    return {"sessions": len(all_ids), "attributes": attrs, "under_represented": under,
            "over_represented": over, "correction": "Benjamini-Hochberg over every segment, q = 0.05"}

"""The statistics every comparison uses, each a thin, documented call into scipy or statsmodels.

Nothing here is hand-derived where a well-kept library has it: Wilson intervals, the pooled two-proportion z-test,
Newcomb's interval for a difference, Fisher's exact test, Holm and Benjamini–Hochberg corrections, the χ² tests and
power come from statsmodels / scipy. What is ours is the *policy*: the guards before a verdict (PostHog's), which
test applies when counts are small, and how results are named. Formulas and sources: docs/analysis.md.

Every function takes plain counts (ints or numpy arrays of them) so the library, a Spark shard or a test can call it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

#: PostHog's guards before any verdict on an experiment (docs/analysis.md)
MIN_EXPOSURES = 50
MIN_CONVERSIONS = 5
MIN_EXPECTED = 5.0  # n·p and n·(1−p) must both exceed this
ALPHA = 0.05


def _counts(x: object) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def wilson(successes: object, n: object, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (Wilson 1927) for a proportion, element-wise; (0, 1) where n is 0."""
    from statsmodels.stats.proportion import proportion_confint

    x, nn = _counts(successes), _counts(n)
    safe = np.maximum(nn, 1)
    lo, hi = proportion_confint(x, safe, alpha=alpha, method="wilson")
    lo = np.where(nn > 0, lo, 0.0)
    hi = np.where(nn > 0, hi, 1.0)
    return np.asarray(lo, float), np.asarray(hi, float)


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1.0 when it is undefined (no variation)."""
    from statsmodels.stats.proportion import proportions_ztest

    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    _, p = proportions_ztest([x1, x2], [n1, n2])
    return float(p)


def two_proportion_z_many(x1: np.ndarray, n1: int, x2: np.ndarray, n2: int) -> np.ndarray:
    """The same pooled z-test for many cells at once (vectorised: one call per heatmap, not per cell).

    z = (p1 − p2) / sqrt(p̄(1 − p̄)(1/n1 + 1/n2)); p = 2·(1 − Φ(|z|)). Identical to ``two_proportion_z`` per cell
    (tested against it); cells with no variation get p = 1.
    """
    a, b = _counts(x1).astype(float), _counts(x2).astype(float)
    if n1 <= 0 or n2 <= 0:
        return np.ones(a.shape)
    pooled = (a + b) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (a / n1 - b / n2) / se, 0.0)
    return np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), 1.0)


def fisher(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Fisher's exact test on the 2×2 table [[x1, n1−x1], [x2, n2−x2]]: (sample odds ratio, two-sided p)."""
    res = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])
    return float(res.statistic), float(res.pvalue)


def small_counts(x1: object, n1: object, x2: object, n2: object) -> np.ndarray:
    """True where a 2×2 table has an expected cell count below 5, so Fisher's exact test replaces the z-test."""
    a, b = _counts(x1).astype(float), _counts(x2).astype(float)
    m, k = np.asarray(n1, float), np.asarray(n2, float)
    total = m + k
    with np.errstate(divide="ignore", invalid="ignore"):
        succ, fail = (a + b) / total, (m + k - a - b) / total
        expected_min = np.minimum.reduce([m * succ, m * fail, k * succ, k * fail])
    return np.asarray(np.nan_to_num(expected_min, nan=0.0) < MIN_EXPECTED)


def adjust(pvalues: object, method: str = "fdr_bh", alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Multiple-testing correction (statsmodels ``multipletests``): ``fdr_bh`` (Benjamini–Hochberg 1995) over heatmap
    cells and clicked elements, ``holm`` (Holm 1979) over funnel steps and variants. Returns (reject, p_adjusted)."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, float)
    if p.size == 0:
        return np.zeros(0, bool), np.zeros(0)
    reject, p_adj, _, _ = multipletests(p, alpha=alpha, method=method)
    return np.asarray(reject, bool), np.asarray(p_adj, float)


def diff_interval(x_b: int, n_b: int, x_a: int, n_a: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Newcomb's hybrid-score interval (Newcomb 1998, method 10) for p_b − p_a."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    if n_a <= 0 or n_b <= 0:
        return (-1.0, 1.0)
    lo, hi = confint_proportions_2indep(x_b, n_b, x_a, n_a, method="newcomb", compare="diff", alpha=alpha)
    return float(lo), float(hi)


def ratio_interval(x_b: int, n_b: int, x_a: int, n_a: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Interval for the relative lift p_b / p_a − 1 (log-ratio method, Katz et al. 1978); NaN when p_a is 0."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    if x_a <= 0 or n_a <= 0 or n_b <= 0 or x_b <= 0:
        return (math.nan, math.nan)
    lo, hi = confint_proportions_2indep(x_b, n_b, x_a, n_a, method="log", compare="ratio", alpha=alpha)
    return float(lo) - 1.0, float(hi) - 1.0


def prob_better(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """P(p_b > p_a) under independent Beta(1 + x, 1 + n − x) posteriors (uniform priors), as PostHog reports it.

    Computed as ∫ f_B(p) · F_A(p) dp with scipy's beta distributions and adaptive quadrature, integrating only
    where B's density is not negligible (its 1e-12 … 1 − 1e-12 quantiles), so large counts stay accurate.
    """
    a = stats.beta(1 + x_a, 1 + n_a - x_a)
    b = stats.beta(1 + x_b, 1 + n_b - x_b)
    lo, hi = b.ppf(1e-12), b.isf(1e-12)
    # points at the posterior means help quad find the narrow peaks of large samples
    marks = {float(a.mean()), float(b.mean()), *np.linspace(lo, hi, 9)[1:-1].tolist()}
    val, _ = integrate.quad(lambda p: b.pdf(p) * a.cdf(p), lo, hi, limit=200,
                            points=sorted(v for v in marks if lo < v < hi))
    return float(min(max(val, 0.0), 1.0))


def srm_p(counts: object, shares: object) -> float:
    """Sample-ratio mismatch: χ² goodness-of-fit of the observed group sizes against the intended split."""
    obs = np.asarray(counts, float)
    sh = np.asarray(shares, float)
    if obs.sum() <= 0 or len(obs) < 2:
        return 1.0
    res = stats.chisquare(obs, f_exp=sh / sh.sum() * obs.sum())
    return float(res.pvalue)


def sessions_needed(p_base: float, mde_rel: float, alpha: float = ALPHA, power: float = 0.8) -> int:
    """Sessions per group to detect a relative lift ``mde_rel`` over base rate ``p_base`` with a two-sided test at
    ``alpha`` and the given power (statsmodels ``NormalIndPower`` on Cohen's h). PostHog's rule of thumb
    16·p(1−p)/d² gives nearly the same number at 80 % power and α = 0.05 (docs/analysis.md)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    p_base = min(max(p_base, 1e-6), 1 - 1e-6)
    p_alt = min(p_base * (1 + mde_rel), 1 - 1e-6)
    h = abs(float(proportion_effectsize(p_alt, p_base)))
    if h == 0:
        return 0
    n = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    return int(math.ceil(float(n)))


@dataclass(frozen=True)
class Guards:
    """PostHog's guards for one group: every one must hold before any verdict."""

    exposures: bool
    conversions: bool
    expected: bool

    @property
    def met(self) -> bool:
        return self.exposures and self.conversions and self.expected


def guards(x: int, n: int) -> Guards:
    p = x / n if n else 0.0
    return Guards(exposures=n >= MIN_EXPOSURES, conversions=x >= MIN_CONVERSIONS,
                  expected=n * p > MIN_EXPECTED and n * (1 - p) > MIN_EXPECTED)


def goodness_of_fit(counts: object, shares: object) -> float:
    """χ² goodness-of-fit p-value of a sample's segment counts against known population shares (sampling bias)."""
    return srm_p(counts, shares)


def poststrat_weights(counts: object, shares: object) -> np.ndarray:
    """Post-stratification weights per segment: population share / sample share (0 for an empty segment), so a
    weighted aggregate matches the population's mix (Holt & Smith 1979)."""
    obs = np.asarray(counts, float)
    sh = np.asarray(shares, float)
    sample_share = obs / obs.sum() if obs.sum() > 0 else np.zeros_like(obs)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(sample_share > 0, (sh / sh.sum()) / sample_share, 0.0)
    return np.asarray(w, float)

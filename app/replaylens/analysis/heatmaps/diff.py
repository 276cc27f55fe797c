"""Difference heatmap A − B with honest statistics.

Input per side: a grid counting, per cell, the *sessions* that clicked (or rested, or reached) there — each session
once per cell, so one rage-clicker cannot make a hot spot — and the number of sessions on that side. Per cell the
share on each side is compared with the pooled two-proportion z-test, or Fisher's exact test where an expected
count is below 5; Benjamini–Hochberg at q = 0.05 runs over every cell that any session touched (cells no session
touched are not tests). Under the null (an A/A split) BH keeps the chance of *any* lit cell at or below q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replaylens.analysis import stats as S

Q = 0.05


@dataclass(frozen=True)
class CellDiff:
    share_a: np.ndarray  # (h, w) share of A's sessions with a point in the cell
    share_b: np.ndarray
    diff: np.ndarray  # share_a − share_b
    p: np.ndarray  # raw p-values (1 where untested)
    p_adjusted: np.ndarray  # BH-adjusted (1 where untested)
    significant: np.ndarray  # bool
    n_a: int
    n_b: int
    tested: int  # cells that entered the correction

    @property
    def any_significant(self) -> bool:
        return bool(self.significant.any())

    def strongest(self) -> tuple[int, int] | None:
        """(row, col) of the significant cell with the largest |difference|, or None."""
        if not self.any_significant:
            return None
        mag = np.where(self.significant, np.abs(self.diff), -1.0)
        r, c = np.unravel_index(int(np.argmax(mag)), mag.shape)
        return int(r), int(c)


def compare_cells(sessions_a: np.ndarray, n_a: int, sessions_b: np.ndarray, n_b: int, q: float = Q) -> CellDiff:
    """Compare two session-count grids of the same shape (see the module docstring)."""
    a = np.asarray(sessions_a, np.int64)
    b = np.asarray(sessions_b, np.int64)
    if a.shape != b.shape:
        raise ValueError(f"grids differ in shape: {a.shape} vs {b.shape}")
    if (a > n_a).any() or (b > n_b).any() or (a < 0).any() or (b < 0).any():
        raise ValueError("a cell counts more sessions than its side has")
    share_a = a / n_a if n_a else np.zeros(a.shape)
    share_b = b / n_b if n_b else np.zeros(b.shape)
    p = np.ones(a.shape)
    touched = (a + b) > 0
    if n_a > 0 and n_b > 0 and touched.any():
        xa, xb = a[touched], b[touched]
        pt = S.two_proportion_z_many(xa, n_a, xb, n_b)
        small = S.small_counts(xa, n_a, xb, n_b)
        if small.any():
            pt[small] = _fisher_unique(xa[small], n_a, xb[small], n_b)
        p[touched] = pt
    tested = int(touched.sum()) if n_a > 0 and n_b > 0 else 0
    p_adj = np.ones(a.shape)
    sig = np.zeros(a.shape, bool)
    if tested:
        reject, adj = S.adjust(p[touched], "fdr_bh", q)
        p_adj[touched] = adj
        sig[touched] = reject
    return CellDiff(share_a, share_b, share_a - share_b, p, p_adj, sig, int(n_a), int(n_b), tested)


def _fisher_unique(xa: np.ndarray, n_a: int, xb: np.ndarray, n_b: int) -> np.ndarray:
    """Fisher's exact p per cell, computed once per distinct (xa, xb) pair: small counts repeat a lot."""
    pairs, inverse = np.unique(np.stack([xa, xb], axis=1), axis=0, return_inverse=True)
    ps = np.array([S.fisher(int(x1), n_a, int(x2), n_b)[1] for x1, x2 in pairs])
    return ps[inverse.ravel()]


def sentence(d: CellDiff, label_a: str, label_b: str, where: str | None = None, what: str = "clicked") -> str:
    """One plain sentence for the strongest difference (or for none)."""
    ns = f"(n = {d.n_a:,} vs {d.n_b:,} sessions)"
    cell = d.strongest()
    if cell is None:
        return f"No area differs reliably between {label_a} and {label_b} {ns}."
    r, c = cell
    sa, sb = d.share_a[r, c], d.share_b[r, c]
    more, less = (label_a, label_b) if sa > sb else (label_b, label_a)
    hi, lo = max(sa, sb), min(sa, sb)
    place = where or "one area"
    return (f"{more} {what} {place} more often than {less}: {hi:.0%} vs {lo:.0%} of sessions {ns}; "
            f"{int(d.significant.sum())} area(s) differ after correcting for {d.tested:,} compared.")

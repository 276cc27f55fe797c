"""The planted truth of the demo library: every parameter, who each session is and what it does, drawn with numpy.

``plan_sessions(n, seed)`` decides everything a session will do *before* any event is synthesised, so the truth
file can list the per-session assignment and the expected effects exactly, and tests can check that the events
act out the plan. The numbers are those a growth-stage crypto bank would see: mostly new visitors, a third of the
traffic from the Songkran campaign, a third on phones, deposit conversion around 12 %.

Planted effects:
- **deposit lift**: variant B's deposit button lifts deposit conversion by 8 % relative in every user type
  (about 12.1 % → 13.0 %): real, but far too small to see in 2,000 sessions (see ``sample_size_per_variant``).
- **nulls**: staking conversion is identical in A and B; KYC completion (of sessions that start KYC) is identical
  for campaign and organic visitors. A comparison of these must find no difference.
- campaign visitors click the non-clickable festival banner far more often (dead clicks, some rage clicks);
  new customers hover "Advanced trading" on the wallet and rarely press it; new customers hesitate at the ID
  upload.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

USER_TYPES = ("new", "returning", "high_net_worth")
DEVICES = ("desktop", "desktop-wide", "tablet", "mobile")  # keys of generate.WIDTHS
DEVICE_CLASS = {"desktop": "desktop", "desktop-wide": "desktop", "tablet": "tablet", "mobile": "mobile"}
DAY_MS = 86_400_000
#: 2026-03-30 00:00 in Bangkok (UTC+7): four weeks around Songkran (13–15 April)
DAY0_EPOCH_MS = 1_774_803_600_000
UTM_SOURCES = ("instagram", "tiktok", "line", "google")


@dataclass(frozen=True)
class Params:
    user_type_share: dict[str, float] = field(default_factory=lambda: {
        "new": 0.55, "returning": 0.38, "high_net_worth": 0.07})
    #: campaign share per user type (campaigns bring new customers): about 30 % overall
    campaign_share: dict[str, float] = field(default_factory=lambda: {
        "new": 0.36, "returning": 0.24, "high_net_worth": 0.17})
    device_share: dict[str, float] = field(default_factory=lambda: {
        "desktop": 0.40, "desktop-wide": 0.15, "tablet": 0.10, "mobile": 0.35})
    variant_share_b: float = 0.5
    days: int = 28
    campaign_days: tuple[int, int] = (7, 21)  # campaign traffic only from day 7 (6 April) to day 20 (19 April)
    # the funnel: new customers sign up and verify (KYC); returning ones log in and go to the wallet
    bounce_landing: dict[str, float] = field(default_factory=lambda: {"campaign": 0.30, "organic": 0.18})
    new_reach_kyc: float = 0.85  # of new customers who sign up
    kyc_complete: float = 0.62  # of those who start KYC: the same for campaign and organic (a planted null)
    login_reach_wallet: float = 0.80  # returning and high-net-worth customers past the landing page
    #: deposit conversion of all sessions in variant A; variant B multiplies it by (1 + deposit_lift)
    deposit_base: dict[str, float] = field(default_factory=lambda: {
        "new": 0.075, "returning": 0.16, "high_net_worth": 0.24})
    deposit_lift: float = 0.08
    visit_staking: float = 0.30  # of sessions that reach the wallet
    stake: float = 0.25  # of staking visits: the same in A and B (a planted null)
    banner_click: dict[str, float] = field(default_factory=lambda: {"campaign": 0.38, "organic": 0.05})
    banner_rage: float = 0.30  # of banner clickers, a burst of clicks instead of one
    adv_hover: dict[str, float] = field(default_factory=lambda: {
        "new": 0.45, "returning": 0.15, "high_net_worth": 0.30})
    adv_click_given_hover: dict[str, float] = field(default_factory=lambda: {
        "new": 0.04, "returning": 0.55, "high_net_worth": 0.65})
    kyc_hesitation: float = 0.45  # of new customers at the ID upload: rest 6–12 s before pressing it
    hesitation_s: tuple[float, float] = (6.0, 12.0)


@dataclass(frozen=True)
class Plan:
    """One session, decided before it is acted out."""

    index: int
    session_id: str
    seed: int
    user_type: str
    campaign: bool
    utm_source: str
    variant: str
    device: str
    start_epoch_ms: int
    bounce: bool  # leaves from the landing page
    signup: bool  # new: completes the sign-up form
    kyc_start: bool
    kyc_complete: bool
    wallet: bool
    deposit: bool
    staking_visit: bool
    stake: bool
    banner_click: bool
    banner_rage: bool
    adv_hover: bool
    adv_click: bool
    hesitate: bool

    @property
    def attributes(self) -> dict[str, str]:
        return {"user_type": self.user_type, "campaign": "songkran" if self.campaign else "organic",
                "variant": self.variant, "country": "TH",
                "user_id": f"u-{self.session_id[:10]}"}


def session_id(seed: int, i: int, n: int) -> str:
    """Unique per library: plans of a 300-session library differ from a 2,000-session one of the same seed."""
    return hashlib.sha1(f"nimbus-library-{seed}-{n}-{i}".encode()).hexdigest()[:16]


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys])
    return np.array(keys)[rng.choice(len(keys), size=n, p=p / p.sum())]


def deposit_rate(p: Params, user_type: str, variant: str) -> float:
    return p.deposit_base[user_type] * (1.0 + p.deposit_lift if variant == "B" else 1.0)


def plan_sessions(n: int, seed: int, p: Params | None = None) -> list[Plan]:
    """``n`` sessions for ``seed``: the same plans for the same seed, whatever else runs."""
    p = p or Params()
    rng = np.random.default_rng([seed, 17])
    ut = _pick(rng, p.user_type_share, n)
    camp = rng.random(n) < np.array([p.campaign_share[u] for u in ut])
    variant = np.where(rng.random(n) < p.variant_share_b, "B", "A")
    device = _pick(rng, p.device_share, n)
    lo, hi = p.campaign_days
    day = np.where(camp, rng.integers(lo, hi, n), rng.integers(0, p.days, n))
    hour = rng.choice(24, n, p=_hour_weights())
    start = DAY0_EPOCH_MS + day * DAY_MS + hour * 3_600_000 + rng.integers(0, 3_600_000, n)
    u = rng.random((12, n))  # one uniform per decision, so each decision is independent of the others
    bounce = u[0] < np.where(camp, p.bounce_landing["campaign"], p.bounce_landing["organic"])
    is_new = ut == "new"
    dep_rate = np.array([deposit_rate(p, a, b) for a, b in zip(ut, variant, strict=True)])
    # P(reach wallet) per user type, so that P(deposit) = P(reach wallet) * P(deposit | wallet) = dep_rate
    reach = np.where(is_new, p.new_reach_kyc * p.kyc_complete, p.login_reach_wallet)
    reach = reach * (1 - np.where(camp, p.bounce_landing["campaign"], p.bounce_landing["organic"]))
    signup = is_new & ~bounce
    kyc_start = signup & (u[1] < p.new_reach_kyc)
    kyc_done = kyc_start & (u[2] < p.kyc_complete)
    wallet = np.where(is_new, kyc_done, ~bounce & (u[3] < p.login_reach_wallet))
    deposit = wallet & (u[4] < dep_rate / reach)
    staking = wallet & (u[5] < p.visit_staking)
    stake = staking & (u[6] < p.stake)
    banner = u[7] < np.where(camp, p.banner_click["campaign"], p.banner_click["organic"])
    rage = banner & (u[8] < p.banner_rage)
    hover = wallet & (u[9] < np.array([p.adv_hover[x] for x in ut]))
    adv_click = hover & (u[10] < np.array([p.adv_click_given_hover[x] for x in ut]))
    hesitate = kyc_start & (u[11] < p.kyc_hesitation)
    sources = rng.choice(len(UTM_SOURCES), n)
    return [Plan(i, session_id(seed, i, n), seed * 1_000_003 + i, str(ut[i]), bool(camp[i]),
                 UTM_SOURCES[sources[i]], str(variant[i]), str(device[i]), int(start[i]), bool(bounce[i]),
                 bool(signup[i]), bool(kyc_start[i]), bool(kyc_done[i]), bool(wallet[i]), bool(deposit[i]),
                 bool(staking[i]), bool(stake[i]), bool(banner[i]), bool(rage[i]), bool(hover[i]),
                 bool(adv_click[i]), bool(hesitate[i])) for i in range(n)]


def _hour_weights() -> np.ndarray:
    """Traffic by local hour: low at night, a lunch bump, the evening peak (phones on the sofa)."""
    h = np.arange(24)
    w = 0.15 + np.exp(-((h - 12.5) / 2.0) ** 2) * 0.6 + np.exp(-((h - 20.5) / 2.2) ** 2)
    return np.asarray(w / w.sum())


def sample_size_per_variant(p_base: float, lift_rel: float) -> int:
    """Sessions per variant to see an absolute difference d = p·lift (80 % power, 5 % two-sided):
    n ≈ 16·p(1−p)/d² (Lehr's rule)."""
    d = p_base * lift_rel
    return int(math.ceil(16 * p_base * (1 - p_base) / d**2))


def expected(p: Params) -> dict[str, Any]:
    """Population values the data should reproduce within sampling error."""
    ut = p.user_type_share
    dep = {v: sum(ut[u] * deposit_rate(p, u, v) for u in USER_TYPES) for v in ("A", "B")}
    bounce_new = sum(p.campaign_share["new"] * (p.bounce_landing["campaign"] if c else 0) +
                     (1 - p.campaign_share["new"]) * (0 if c else p.bounce_landing["organic"]) for c in (0, 1))
    reach_new = (1 - bounce_new) * p.new_reach_kyc * p.kyc_complete
    reach_ret = {u: sum((p.campaign_share[u] if c else 1 - p.campaign_share[u]) *
                        (1 - p.bounce_landing["campaign" if c else "organic"]) for c in (0, 1)) * p.login_reach_wallet
                 for u in ("returning", "high_net_worth")}
    wallet = ut["new"] * reach_new + sum(ut[u] * reach_ret[u] for u in reach_ret)
    stake = wallet * p.visit_staking * p.stake
    base = dep["A"]
    return {
        "deposit_conversion": {k: round(v, 5) for k, v in dep.items()},
        "deposit_relative_lift": p.deposit_lift,
        "sessions_per_variant_needed_for_deposit_lift": sample_size_per_variant(base, p.deposit_lift),
        "staking_conversion": {"A": round(stake, 5), "B": round(stake, 5)},
        "kyc_completion_of_started": {"songkran": p.kyc_complete, "organic": p.kyc_complete},
        "banner_click_rate": dict(p.banner_click),
        "advanced_trading_hover_without_click": {
            u: round(p.adv_hover[u] * (1 - p.adv_click_given_hover[u]), 4) for u in USER_TYPES},
        "kyc_hesitation_of_started": p.kyc_hesitation,
        "campaign_share": round(sum(ut[u] * p.campaign_share[u] for u in USER_TYPES), 4),
    }


def params_json(p: Params) -> dict[str, Any]:
    return asdict(p)

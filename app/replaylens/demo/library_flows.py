"""Act out a library ``Plan`` on the Nimbus pages: short sessions (about 20–90 s) with the planted behaviour.

Page indices as in ``flows``: 0 landing, 1 signup, 2 kyc, 3 wallet, 4 staking. Conversions leave custom events
(``signup_completed``, ``kyc_submitted``, ``deposit_started``, ``stake_started``) beside the clicks, so goals can be
defined either way. The deposit-button experiment is announced PostHog-style: a ``$feature_flag_called`` custom
event whose payload has ``$feature/deposit-button`` set to the variant.
"""

from __future__ import annotations

from replaylens.demo.behaviour import Planted, Recorder
from replaylens.demo.flows import KYC, LANDING, SIGNUP, STAKING, WALLET
from replaylens.demo.library_truth import Plan

FLAG = "deposit-button"
PACE = 1.0  # reading time as in the long demo session; the scripts themselves are short


def _ms(t: float) -> int:
    """A planted time as the events round it (so a planted rest starts at the last move, not before it)."""
    return int(round(t))


def _leave(r: Recorder) -> None:
    r.wait(float(r.rng.uniform(300, 1200)))
    r.set_visibility(True)


def _landing(r: Recorder, plan: Plan) -> None:
    r.navigate(LANDING, 700)
    r.custom("$feature_flag_called", **{"$feature_flag": FLAG, "$feature_flag_response": plan.variant,
                                        f"$feature/{FLAG}": plan.variant})
    L = r.layout
    r.reach(float(r.viewport[0]) * 0.5, 300)
    r.fidget(2500)
    if plan.banner_click:
        r.go_to(L.el("banner"))
        r.wait(float(r.rng.uniform(300, 900)))
        t0 = r.t
        if plan.banner_rage:
            r.rage(L.el("banner"), int(r.rng.integers(3, 6)))
        else:
            r.click(L.el("banner"))
        r.planted.append(Planted("dead_click", _ms(t0), _ms(r.t), r.page, L.el("banner").selector))
        r.wait(float(r.rng.uniform(600, 1500)))
    r.scroll_to(float(r.rng.uniform(300, 900)))
    r.fidget(float(r.rng.uniform(2500, 6000)), amp=40)
    r.scroll_to(float(r.rng.uniform(900, 1500)))
    r.fidget(float(r.rng.uniform(1500, 5000)), amp=40)
    r.scroll_to(0, speed=3)
    if plan.bounce:
        _leave(r)
        return
    target = L.el("cta") if plan.user_type == "new" else L.el("login")
    r.go_to(target)
    r.wait(float(r.rng.uniform(150, 400)))
    r.click(target)


def _signup(r: Recorder, plan: Plan) -> bool:
    r.navigate(SIGNUP)
    L = r.layout
    r.fidget(1200)
    r.type_into(L.el("email"), int(r.rng.integers(12, 24)))
    r.type_into(L.el("password"), int(r.rng.integers(10, 14)))
    r.type_into(L.el("password2"), int(r.rng.integers(10, 14)))
    r.go_to(L.el("terms"))
    r.click(L.el("terms"), respond=False)
    r.emit("input", el=L.el("terms"), value_len=1)
    r.go_to(L.el("create"))
    r.click(L.el("create"))
    r.emit("submit", el=L.el("create"))
    r.custom("signup_completed")
    if not plan.kyc_start:
        _leave(r)
        return False
    return True


def _kyc(r: Recorder, plan: Plan) -> bool:
    r.navigate(KYC)
    L = r.layout
    r.fidget(1000)
    t_input = r.t
    r.type_into(L.el("full_name"), int(r.rng.integers(10, 20)))
    r.type_into(L.el("dob"), 10)
    r.go_to(L.el("upload"))
    t0 = r.t
    if plan.hesitate:
        lo, hi = 6000.0, 12000.0
        r.wait(float(r.rng.uniform(lo, hi)))  # the pointer rests on the ID upload
        r.planted.append(Planted("hesitation", _ms(t0), _ms(r.t), r.page, L.el("upload").selector))
    else:
        r.wait(float(r.rng.uniform(300, 900)))
    if not plan.kyc_complete:
        r.fidget(1500)
        r.set_visibility(True)
        r.planted.append(Planted("form_abandonment", _ms(t_input), _ms(r.t), KYC, L.el("full_name").selector))
        return False
    r.click(L.el("upload"))
    r.wait(float(r.rng.uniform(1500, 3000)))  # the file dialog
    r.emit("input", el=L.el("upload"), value_len=1)
    r.go_to(L.el("continue"))
    r.click(L.el("continue"))
    r.emit("submit", el=L.el("continue"))
    r.custom("kyc_submitted")
    return True


def _wallet(r: Recorder, plan: Plan) -> None:
    r.navigate(WALLET)
    L = r.layout
    r.fidget(1500)
    if plan.adv_hover:
        adv = L.el("adv_trading")
        r.go_to(adv)
        t0 = r.t
        r.wait(float(r.rng.uniform(1500, 4000)))  # reads the link, the pointer resting on it
        if plan.adv_click:
            r.click(adv)
            r.wait(float(r.rng.uniform(800, 1600)))
        r.planted.append(Planted("hover", _ms(t0), _ms(r.t), r.page, adv.selector))
    r.type_into(L.el("amount"), int(r.rng.integers(2, 5)))
    r.go_to(L.el("method"))
    r.click(L.el("method"))
    r.wait(800)
    r.emit("input", el=L.el("method"), value_len=18)
    r.go_to(L.el("deposit"))
    if plan.deposit:
        r.wait(float(r.rng.uniform(200, 600)))
        r.click(L.el("deposit"))
        r.emit("submit", el=L.el("deposit"))
        r.custom("deposit_started", amount_band=str(r.rng.choice(["10-100", "100-500", "500+"])))
        r.fidget(1500)
    else:
        r.wait(float(r.rng.uniform(1000, 2500)))  # looks at the button, does not press it
    if plan.staking_visit:
        r.go_to(L.el("nav_earn") if any(e.key == "nav_earn" for e in L.elements) else L.el("logo"))
        r.click(L.el("nav_earn") if any(e.key == "nav_earn" for e in L.elements) else L.el("logo"))
        _staking(r, plan)


def _staking(r: Recorder, plan: Plan) -> None:
    r.navigate(STAKING)
    L = r.layout
    r.fidget(2000)
    if plan.stake:
        btn = L.el("stake_0")
        r.go_to(btn)
        r.click(btn)
        r.custom("stake_started", asset="ETH")
        r.fidget(1000)


def library_session(r: Recorder, plan: Plan) -> None:
    """The whole session for ``plan``; every planted behaviour lands in ``r.planted``."""
    r.pace = PACE
    _landing(r, plan)
    if plan.bounce:
        return
    if plan.user_type == "new" and not (_signup(r, plan) and _kyc(r, plan)):
        return
    if not plan.wallet:  # returning customers who log in and leave before the wallet
        r.wait(float(r.rng.uniform(1500, 4000)))
        _leave(r)
        return
    _wallet(r, plan)
    _leave(r)

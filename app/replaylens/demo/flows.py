"""Scripts of what customers do on the Nimbus pages: the rich demo session and randomised segment sessions.

Pages (indices into ``layout.site_pages``): 0 landing, 1 signup, 2 kyc, 3 wallet, 4 staking.
Every planted friction is recorded in ``Recorder.planted`` at the moment it is acted out.
"""

from __future__ import annotations

from replaylens.demo.behaviour import Planted, Recorder

LANDING, SIGNUP, KYC, WALLET, STAKING = range(5)


def _landing(r: Recorder, rage: bool, dead: bool) -> None:
    r.navigate(LANDING, 900)
    L = r.layout
    r.reach(640, 300)
    r.fidget(2500)
    r.go_to(L.el("hero_title"))
    r.fidget(1800)
    if dead:
        r.go_to(L.el("banner"))
        r.wait(400)
        t0 = r.t
        r.click(L.el("banner"))
        r.planted.append(Planted("dead_click", int(t0), int(r.t), r.page, L.el("banner").selector))
        r.wait(1500)
    r.scroll_to(700)
    r.fidget(3000, amp=40)
    r.scroll_to(1100)
    r.fidget(2500)
    r.scroll_to(0, speed=3)
    r.wait(600)
    if rage:
        r.go_to(L.el("banner"))
        r.wait(300)
        t0 = r.t
        r.rage(L.el("banner"), int(r.rng.integers(4, 7)))
        r.planted.append(Planted("dead_click", int(t0), int(r.t), r.page, L.el("banner").selector))
        r.wait(1200)
    r.go_to(L.el("cta"))
    r.wait(250)
    r.click(L.el("cta"))


def _signup(r: Recorder) -> None:
    r.navigate(SIGNUP)
    L = r.layout
    r.fidget(1500)
    r.type_into(L.el("email"), int(r.rng.integers(14, 28)))
    r.wait(500)
    r.type_into(L.el("password"), int(r.rng.integers(10, 16)))
    r.type_into(L.el("password2"), int(r.rng.integers(10, 16)))
    r.go_to(L.el("terms"))
    r.click(L.el("terms"), respond=False)
    r.emit("input", el=L.el("terms"), value_len=1)
    r.go_to(L.el("create"))
    r.wait(300)
    r.click(L.el("create"))
    r.emit("submit", el=L.el("create"))


def _kyc(r: Recorder, hesitate: bool, error: bool) -> None:
    r.navigate(KYC)
    L = r.layout
    r.fidget(1200)
    r.type_into(L.el("full_name"), int(r.rng.integers(10, 24)))
    r.type_into(L.el("dob"), 10)
    r.go_to(L.el("country"))
    r.click(L.el("country"))
    r.wait(900)
    r.emit("input", el=L.el("country"), value_len=7)
    r.go_to(L.el("upload"))
    t0 = r.t
    if hesitate:
        r.wait(float(r.rng.uniform(15_000, 28_000)))  # the pointer rests on the ID upload: the customer hesitates
        r.planted.append(Planted("hesitation", int(t0), int(r.t), r.page, L.el("upload").selector))
    else:
        r.wait(float(r.rng.uniform(300, 900)))
    if error:
        t1 = r.t
        r.click(L.el("upload"), respond=False)
        r.t += float(r.rng.uniform(150, 600))
        r.error("Upload failed: file too large (14.2 MB, limit 10 MB)")
        r.planted.append(Planted("error_click", int(t1), int(r.t), r.page, L.el("upload").selector))
        r.fidget(4000)
        r.go_to(L.el("upload"))
        r.wait(400)
    r.click(L.el("upload"))
    r.wait(float(r.rng.uniform(2500, 5000)))  # the file dialog
    r.emit("input", el=L.el("upload"), value_len=1)
    r.go_to(L.el("continue"))
    r.wait(300)
    r.click(L.el("continue"))
    r.emit("submit", el=L.el("continue"))


def _wallet(r: Recorder, *, deposit: bool, quick_back: bool, thrash: bool, seesaw: bool, away_ms: float) -> None:
    r.navigate(WALLET)
    L = r.layout
    r.fidget(2500)
    t_input = r.t
    r.type_into(L.el("amount"), int(r.rng.integers(2, 5)))
    r.go_to(L.el("method"))
    r.click(L.el("method"))
    r.wait(1200)
    r.emit("input", el=L.el("method"), value_len=18)
    if deposit:
        r.go_to(L.el("deposit"))
        r.wait(400)
        r.click(L.el("deposit"))
        r.emit("submit", el=L.el("deposit"))
        r.custom("deposit_started", amount_band="100-500")
        r.fidget(3000)
        return
    r.go_to(L.el("deposit"))
    r.wait(float(r.rng.uniform(1200, 2200)))  # looks at the button, does not press it
    if thrash:
        r.thrash(float(r.rng.uniform(1400, 2200)))
    if quick_back:
        t_leave = r.t
        r.go_to(L.el("nav_earn") if any(e.key == "nav_earn" for e in L.elements) else L.el("logo"))
        r.click(r.layout.hit(r.cx, r.cy + r.scroll, r.scroll) or L.el("logo"))
        r.navigate(STAKING)
        r.fidget(1800)
        r.navigate(WALLET, 400)
        r.planted.append(Planted("quick_back", int(t_leave), int(r.t), STAKING))
        r.fidget(2000)
    if away_ms:
        r.set_visibility(True)
        r.wait(away_ms)
        r.set_visibility(False)
        r.fidget(1500)
    if seesaw:
        r.navigate(STAKING)
        r.fidget(1200)
        r.seesaw_scroll(int(r.rng.integers(7, 11)))
        r.fidget(1500)
    r.set_visibility(True)  # the customer leaves without depositing
    r.planted.append(Planted("form_abandonment", int(t_input), int(r.t), WALLET, L.el("amount").selector))


def rich_demo(r: Recorder) -> None:
    """The 5–10 minute demo: rage clicks on the banner, a long hesitation at the ID upload, a failed upload,
    a quick back from staking, a thrashed cursor, excessive scrolling, a long idle gap and no deposit."""
    _landing(r, rage=True, dead=True)
    _signup(r)
    _kyc(r, hesitate=True, error=True)
    _wallet(r, deposit=False, quick_back=True, thrash=True, seesaw=True, away_ms=95_000)


def random_session(r: Recorder, attrs: dict[str, str]) -> None:
    """A session for segment work: how far the customer gets and which frictions occur is drawn at random,
    with rates that depend on the segment (campaign traffic rage-clicks the banner more, new users hesitate)."""
    rng = r.rng
    campaign = attrs.get("campaign", "none") != "none"
    new_user = attrs.get("user_type") == "new"
    _landing(r, rage=campaign and rng.random() < 0.45, dead=rng.random() < 0.3)
    if rng.random() < 0.12:
        r.set_visibility(True)
        return
    _signup(r)
    if rng.random() < 0.1:
        r.set_visibility(True)
        return
    _kyc(r, hesitate=rng.random() < (0.55 if new_user else 0.25), error=rng.random() < 0.2)
    deposit_rate = 0.55 if attrs.get("variant") == "B" else 0.4
    if attrs.get("user_type") == "high_net_worth":
        deposit_rate += 0.15
    _wallet(r, deposit=rng.random() < deposit_rate, quick_back=rng.random() < 0.3, thrash=rng.random() < 0.25,
            seesaw=rng.random() < 0.25, away_ms=float(rng.uniform(20_000, 60_000)) if rng.random() < 0.2 else 0.0)

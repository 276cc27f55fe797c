"""Page layouts of "Nimbus", a fictional crypto bank: the one source of geometry for painting and for behaviour.

Every element has a page-coordinate box, a CSS-like selector, a label, whether it is interactive and whether it
is fixed (the sticky header). Layouts adapt to the viewport width (a centred content column), so sessions of
different widths put the same button at different page x, as real sites do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict, Unpack

SITE = "app.nimbus.example"


@dataclass(frozen=True)
class Element:
    key: str
    selector: str
    tag: str
    label: str
    x: float
    y: float
    w: float
    h: float
    interactive: bool = False
    fixed: bool = False
    style: str = "text"  # how paint.py draws it
    input_type: str | None = None
    name: str | None = None  # accessible name when it differs from the visible label (an aria-label)
    role: str | None = None  # explicit role; else implied by the tag (see ``a11y_role``)

    @property
    def a11y_name(self) -> str:
        """What a person calls it: the accessible name, else the visible label (the bundle's target_label)."""
        return self.name if self.name is not None else self.label

    @property
    def a11y_role(self) -> str:
        """The role a person sees (the bundle's target_role), as the rrweb importer derives it from tags."""
        if self.role is not None:
            return self.role
        if self.tag == "input":
            return {"checkbox": "checkbox", "file": "file"}.get(self.input_type or "", "textbox")
        return {"a": "link", "button": "button", "select": "combobox", "summary": "button", "h1": "heading",
                "h2": "heading", "tr": "row", "li": "listitem", "header": "banner", "footer": "contentinfo",
                "label": "label", "p": "paragraph"}.get(self.tag, "")

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h


@dataclass
class PageLayout:
    key: str
    url: str
    title: str
    width: int
    height: int
    elements: list[Element] = field(default_factory=list)

    def el(self, key: str) -> Element:
        for e in self.elements:
            if e.key == key:
                return e
        raise KeyError(key)

    def hit(self, px: float, py: float, scroll_y: float = 0.0) -> Element | None:
        """Topmost element under a page point (fixed elements are tested in viewport space first)."""
        for e in reversed(self.elements):
            if e.fixed and e.contains(px, py - scroll_y):
                return e
        for e in reversed(self.elements):
            if not e.fixed and e.contains(px, py):
                return e
        return None


class ElementExtras(TypedDict, total=False):
    """The optional ``Element`` fields, as ``_Builder.add`` takes them."""

    interactive: bool
    fixed: bool
    style: str
    input_type: str | None
    name: str | None
    role: str | None


class _Builder:
    def __init__(self, width: int) -> None:
        self.width = width
        self.col_w = float(min(1100, width - 32))
        self.left = (width - self.col_w) / 2
        self.els: list[Element] = []

    def add(self, key: str, selector: str, tag: str, label: str, x: float, y: float, w: float, h: float,
            **kw: Unpack[ElementExtras]) -> Element:
        e = Element(key, selector, tag, label, round(x, 1), round(y, 1), round(w, 1), round(h, 1), **kw)
        self.els.append(e)
        return e

    def header(self) -> None:
        w = self.width
        self.add("header", "header.site-header", "header", "", 0, 0, w, 64, fixed=True, style="header")
        self.add("logo", "header a.logo", "a", "Nimbus", self.left, 14, 150, 36, interactive=True, fixed=True,
                 style="logo")
        if w >= 700:
            for i, name in enumerate(("Markets", "Earn", "Cards", "Help")):
                self.add(f"nav_{name.lower()}", f"nav a[href='/{name.lower()}']", "a", name,
                         self.left + 190 + i * 100, 20, 84, 24, interactive=True, fixed=True, style="navlink")
        self.add("login", "header a.login", "a", "Log in", self.left + self.col_w - 230, 14, 100, 36,
                 interactive=True, fixed=True, style="ghost")
        self.add("signup_top", "header a.btn-signup", "a", "Sign up", self.left + self.col_w - 116, 14, 116, 36,
                 interactive=True, fixed=True, style="button")

    def text(self, key: str, label: str, y: float, h: float, style: str = "text", x: float | None = None,
             w: float | None = None, tag: str = "p") -> Element:
        return self.add(key, f"{tag}.{key.replace('_', '-')}", tag, label, self.left if x is None else x, y,
                        self.col_w if w is None else w, h, style=style)

    def footer(self, y: float) -> float:
        self.add("footer", "footer.site-footer", "footer", "© 2026 Nimbus Digital Assets Ltd · Licensed EMI",
                 0, y, self.width, 180, style="footer")
        return y + 180


def _grid(b: _Builder, y: float, n: int, h: float) -> tuple[list[tuple[float, float]], float]:
    cols = n if b.col_w >= 700 else 1
    gap = 24.0
    w = (b.col_w - gap * (cols - 1)) / cols
    return [(b.left + (i % cols) * (w + gap), y + (i // cols) * (h + gap)) for i in range(n)], w


BANNERS = {
    "lantern": ("Lantern Festival: +5% APY boost on ETH staking until 30 November",
                "https://app.nimbus.example/festival?utm_campaign=lantern-festival", "Nimbus — Lantern Festival"),
    "songkran": ("Songkran: no fees on your first deposit and +3% APY on ETH staking until 20 April",
                 "https://app.nimbus.example/", "Nimbus — Songkran"),
}


def landing(width: int, festival: str = "lantern") -> PageLayout:
    banner, url, title = BANNERS[festival]
    b = _Builder(width)
    b.header()
    b.text("hero_title", "Your money, on the blockchain. Safely.", 120, 64, style="h1", tag="h1")
    b.text("hero_sub", "Buy, hold and stake 40+ crypto assets with a licensed European bank account.", 196, 30,
           style="lead")
    b.add("banner", "section.promo > div.festival-banner", "div", banner, b.left, 260, b.col_w, 260,
          style="banner", name=banner.split(":")[0], role="banner")
    b.add("cta", "section.hero a.btn-get-started", "a", "Get started", b.left, 552, 220, 56, interactive=True,
          style="cta")
    b.add("learn_more", "section.hero a.learn-more", "a", "How it works →", b.left + 244, 566, 160, 28,
          interactive=True, style="link")
    b.text("features_title", "Why Nimbus", 680, 44, style="h2", tag="h2")
    boxes, w = _grid(b, 748, 3, 200)
    names = ("Insured custody", "Instant SEPA deposits", "Staking from 10 EUR")
    for i, (x, y) in enumerate(boxes):
        b.add(f"feature_{i}", f"div.feature:nth-child({i + 1})", "div", names[i], x, y, w, 200, style="card")
    y0 = boxes[-1][1] + 260
    b.text("rates_title", "Today's rates", y0, 44, style="h2", tag="h2")
    for i, (coin, apy) in enumerate((("ETH", "4.1 %"), ("SOL", "6.8 %"), ("DOT", "11.2 %"), ("USDC", "5.0 %"))):
        b.add(f"rate_{i}", f"table.rates tr:nth-child({i + 1})", "tr", f"{coin}  ·  staking APY {apy}",
              b.left, y0 + 64 + i * 56, b.col_w, 48, style="row")
    y1 = y0 + 64 + 4 * 56 + 60
    b.text("faq_title", "Questions", y1, 44, style="h2", tag="h2")
    for i, q in enumerate(("Is my money protected?", "How long does verification take?",
                           "Which ID documents do you accept?")):
        b.add(f"faq_{i}", f"details.faq:nth-child({i + 1}) > summary", "summary", q, b.left, y1 + 64 + i * 64,
              b.col_w, 52, interactive=True, style="faq")
    end = b.footer(y1 + 64 + 3 * 64 + 60)
    return PageLayout("landing", url, title, width, int(end), b.els)


def _field(b: _Builder, key: str, label: str, y: float, input_type: str = "text", w: float | None = None,
           x: float | None = None) -> Element:
    x = b.left if x is None else x
    w = min(520.0, b.col_w) if w is None else w
    b.add(f"{key}_label", f"label[for={key}]", "label", label, x, y, w, 22, style="label")
    return b.add(key, f"input#{key}", "input", label, x, y + 26, w, 44, interactive=True, style="input",
                 input_type=input_type)


def signup(width: int) -> PageLayout:
    b = _Builder(width)
    b.header()
    b.text("title", "Create your Nimbus account", 110, 52, style="h1", tag="h1")
    b.text("step", "Step 1 of 3 · Account", 170, 24, style="muted")
    _field(b, "email", "Email address", 220, "email")
    _field(b, "password", "Password", 310, "password")
    _field(b, "password2", "Repeat password", 400, "password")
    b.add("terms", "input#terms", "input", "I accept the terms and the privacy notice", b.left, 500,
          min(520.0, b.col_w), 28, interactive=True, style="checkbox", input_type="checkbox")
    b.add("create", "form.signup button[type=submit]", "button", "Create account", b.left, 556,
          min(520.0, b.col_w), 52, interactive=True, style="cta")
    b.text("legal", "Nimbus Digital Assets Ltd is authorised as an electronic money institution.", 660, 24,
           style="muted")
    end = b.footer(1100)
    return PageLayout("signup", "https://app.nimbus.example/signup", "Create account · Nimbus", width, int(end),
                      b.els)


def kyc(width: int) -> PageLayout:
    b = _Builder(width)
    b.header()
    b.text("title", "Verify your identity", 110, 52, style="h1", tag="h1")
    b.text("step", "Step 2 of 3 · Identity (required by EU anti-money-laundering rules)", 170, 24, style="muted")
    _field(b, "full_name", "Full legal name", 220)
    _field(b, "dob", "Date of birth", 310)
    b.add("country_label", "label[for=country]", "label", "Country of residence", b.left, 400, 520, 22,
          style="label")
    b.add("country", "select#country", "select", "Germany", b.left, 426, min(520.0, b.col_w), 44,
          interactive=True, style="select")
    b.text("upload_title", "Identity document", 520, 36, style="h2", tag="h2")
    b.add("upload", "div.dropzone input[type=file]#id-document", "input",
          "Upload passport or national ID card (PDF, JPG, PNG, max 10 MB)", b.left, 568, b.col_w, 200,
          interactive=True, style="dropzone", input_type="file", name="Upload passport or ID card")
    b.add("selfie", "div.selfie button.take-selfie", "button", "Take a selfie", b.left, 800, 260, 52,
          interactive=True, style="ghost")
    b.text("help", "Your document is encrypted and only used for verification.", 880, 24, style="muted")
    b.add("continue", "form.kyc button[type=submit]", "button", "Continue", b.left, 940, 260, 52,
          interactive=True, style="cta")
    end = b.footer(1500)
    return PageLayout("kyc", "https://app.nimbus.example/kyc", "Verify identity · Nimbus", width, int(end), b.els)


def wallet(width: int, variant: str = "A", advanced: bool = False) -> PageLayout:
    b = _Builder(width)
    b.header()
    b.text("title", "Wallet", 110, 52, style="h1", tag="h1", w=min(300.0, b.col_w - 200) if advanced else None)
    if advanced:  # the library demo: a link novices hover over and rarely press
        b.add("adv_trading", "a.advanced-trading", "a", "Advanced trading →", b.left + b.col_w - 190, 122, 190,
              30, interactive=True, style="link")
    boxes, w = _grid(b, 180, 3, 120)
    for i, (coin, amount) in enumerate((("EUR", "0.00 €"), ("BTC", "0.0000 BTC"), ("ETH", "0.0000 ETH"))):
        b.add(f"balance_{i}", f"div.balance-card:nth-child({i + 1})", "div", f"{coin}  {amount}",
              boxes[i][0], boxes[i][1], w, 120, style="card")
    y = boxes[-1][1] + 170
    b.text("topup_title", "Top up your account", y, 40, style="h2", tag="h2")
    _field(b, "amount", "Amount (EUR)", y + 56, "number")
    b.add("method_label", "label[for=method]", "label", "Payment method", b.left, y + 146, 520, 22, style="label")
    b.add("method", "select#method", "select", "SEPA bank transfer", b.left, y + 172, min(520.0, b.col_w), 44,
          interactive=True, style="select")
    if variant == "B":  # variant B: the deposit button sits beside the amount, above the fold
        b.add("deposit", "form.topup button.btn-deposit", "button", "Deposit", b.left + min(540.0, b.col_w - 200),
              y + 82, 180, 44, interactive=True, style="cta")
        ty = y + 250
    else:
        b.add("deposit", "form.topup button.btn-deposit", "button", "Deposit", b.left, y + 250, 220, 52,
              interactive=True, style="cta")
        ty = y + 340
    b.text("tx_title", "Recent activity", ty, 40, style="h2", tag="h2")
    b.text("tx_empty", "No transactions yet. Your first deposit will appear here.", ty + 56, 28, style="muted")
    end = b.footer(ty + 400)
    return PageLayout("wallet", f"https://app.nimbus.example/wallet?variant={variant}", "Wallet · Nimbus", width,
                      int(end), b.els)


def staking(width: int) -> PageLayout:
    b = _Builder(width)
    b.header()
    b.text("title", "Earn with staking", 110, 52, style="h1", tag="h1")
    b.text("sub", "Lock crypto for a period and earn rewards. Festival boost applies to ETH.", 170, 28,
           style="lead")
    for i, (coin, apy, lock) in enumerate((("Ethereum (ETH)", "4.1 % + 5 % boost", "flexible"),
                                           ("Solana (SOL)", "6.8 %", "7 days"),
                                           ("Polkadot (DOT)", "11.2 %", "28 days"),
                                           ("Cardano (ADA)", "3.1 %", "flexible"),
                                           ("Cosmos (ATOM)", "14.0 %", "21 days"))):
        y = 240 + i * 150
        b.add(f"product_{i}", f"li.product:nth-child({i + 1})", "li", f"{coin} · APY {apy} · lock {lock}",
              b.left, y, b.col_w, 126, style="card")
        b.add(f"stake_{i}", f"li.product:nth-child({i + 1}) button.stake", "button", "Stake",
              b.left + b.col_w - 160, y + 40, 128, 44, interactive=True, style="button")
    b.text("calc_title", "Rewards calculator", 1040, 40, style="h2", tag="h2")
    _field(b, "stake_amount", "Amount to stake", 1096, "number")
    b.text("risk", "Crypto assets are volatile. Staking rewards are not guaranteed.", 1220, 28, style="muted")
    end = b.footer(1500)
    return PageLayout("staking", "https://app.nimbus.example/earn/staking", "Staking · Nimbus", width, int(end),
                      b.els)


def site_pages(width: int, variant: str = "A", festival: str = "lantern", advanced: bool = False) -> list[PageLayout]:
    """The five pages in flow order: landing, signup, kyc, wallet, staking. ``festival`` picks the landing banner;
    ``advanced`` adds the "Advanced trading" link to the wallet (the library demo)."""
    return [landing(width, festival), signup(width), kyc(width), wallet(width, variant, advanced), staking(width)]

"""Small rrweb recordings built from the public format facts (docs: domain.md § rrweb), for container and
mapping tests. Node ids, positions and times are chosen so every expectation can be computed by hand."""

from __future__ import annotations

from typing import Any

T0 = 1_700_000_000_000


def el(nid: int, tag: str, attrs: dict[str, Any] | None = None, kids: list[dict[str, Any]] | None = None
       ) -> dict[str, Any]:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs or {}, "childNodes": kids or []}


def text(nid: int, s: str) -> dict[str, Any]:
    return {"type": 3, "id": nid, "textContent": s}


def wallet_snapshot() -> dict[str, Any]:
    body = el(7, "body", {}, [
        el(8, "div", {"id": "app"}, [
            el(9, "button", {"id": "deposit", "class": "btn primary"}, [el(10, "span", {}, [text(11, " Deposit ")])]),
            el(12, "div", {"class": "banner"}, [text(13, "Festival of savings")]),
            el(14, "input", {"id": "pw", "type": "password"}),
            el(15, "input", {"id": "amount", "type": "text", "placeholder": "Amount"}),
            el(16, "div", {"class": "rr-mask"}, [text(17, "Alice Secret")]),
            el(21, "input", {"id": "email", "type": "email"}),
            el(22, "input", {"id": "card", "autocomplete": "cc-number"}),
        ]),
        el(18, "header", {"style": "position: fixed; top: 0"}, [el(19, "a", {"href": "/"}, [text(20, "Home")])]),
    ])
    html = el(3, "html", {}, [el(4, "head", {}, [el(5, "title", {}, [text(6, "Wallet")])]), body])
    return {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html"}, html]}


def staking_snapshot() -> dict[str, Any]:
    body = el(7, "body", {}, [el(9, "div", {"class": "apy"}, [text(10, "APY 5%")])])
    html = el(3, "html", {}, [el(4, "head", {}, [el(5, "title", {}, [text(6, "Staking")])]), body])
    return {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html"}, html]}


def inc(t: int, source: int, **data: Any) -> dict[str, Any]:
    return {"type": 3, "timestamp": T0 + t, "data": {"source": source, **data}}


def click(t: int, nid: int, x: float, y: float, kind: int = 2) -> dict[str, Any]:
    return inc(t, 2, type=kind, id=nid, x=x, y=y)


def recording() -> list[dict[str, Any]]:
    """Wallet page (scrolled to 100 by the snapshot), moves, clicks, inputs, a late button, staking, back."""
    return [
        {"type": 4, "timestamp": T0, "data": {"href": "https://bank.example/wallet", "width": 1280, "height": 800}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": wallet_snapshot(), "initialOffset": {"left": 0, "top": 100}}},
        inc(1000, 1, positions=[{"x": 10, "y": 20, "id": 9, "timeOffset": -500},
                                {"x": 15, "y": 25, "id": 9, "timeOffset": 0}]),
        click(1100, 10, 100, 200),  # span inside the Deposit button
        click(1150, 12, 300, 50),  # the non-interactive banner
        inc(1200, 3, id=1, x=0, y=400),  # document scroll
        click(1300, 19, 5, 5),  # link in a fixed header
        inc(1400, 5, id=14, text="hunter2", isChecked=False),  # password: never stored
        inc(1410, 5, id=15, text="250.00", isChecked=False),  # plain amount: stored
        inc(1420, 5, id=15, text="*****", isChecked=False),  # masked by the recorder
        inc(1430, 5, id=22, text="4111 1111 1111 1111", isChecked=False),  # card field
        inc(1440, 5, id=21, text="a@b.co", isChecked=False),
        inc(1500, 0, texts=[], attributes=[], removes=[],
            adds=[{"parentId": 8, "nextId": None, "node": el(30, "button", {"id": "late"}, [])}]),
        click(1600, 30, 400, 300),
        inc(1700, 4, width=1000, height=700),
        inc(1750, 3, id=8, x=0, y=55),  # element scroll
        inc(1760, 6, positions=[{"x": 1, "y": 2, "id": 8, "timeOffset": -10}]),
        click(1770, 9, 50, 60, kind=7), click(1780, 9, 50, 60, kind=9), click(1790, 9, 50, 60, kind=10),
        {"type": 5, "timestamp": T0 + 1800, "data": {"tag": "checkout", "payload": {"step": 2}}},
        {"type": 6, "timestamp": T0 + 1850, "data": {"plugin": "rrweb/console@1",
                                                      "payload": {"level": "error", "payload": ["boom"]}}},
        inc(1860, 14, ranges=[{"start": 13, "startOffset": 0, "end": 13, "endOffset": 4}]),
        {"type": 4, "timestamp": T0 + 2000, "data": {"href": "https://bank.example/staking", "width": 1000,
                                                      "height": 700}},
        {"type": 2, "timestamp": T0 + 2001, "data": {"node": staking_snapshot(), "initialOffset": {"left": 0,
                                                                                                   "top": 0}}},
        click(2500, 9, 20, 30),  # id 9 is now the APY div of the new snapshot
        {"type": 4, "timestamp": T0 + 3000, "data": {"href": "https://bank.example/wallet", "width": 1000,
                                                      "height": 700}},
        {"type": 2, "timestamp": T0 + 3001, "data": {"node": wallet_snapshot(), "initialOffset": {"left": 0,
                                                                                                   "top": 0}}},
        click(3500, 10, 1, 2),
    ]


#: kind -> count expected from recording() (by hand)
EXPECTED = {"navigate": 3, "move": 2, "click": 6, "scroll": 1, "input": 5, "mutation": 1, "resize": 1,
            "element_scroll": 1, "touch_move": 1, "touch_start": 1, "touch_end": 1, "touch_cancel": 1,
            "custom": 1, "error": 1, "selection": 1}

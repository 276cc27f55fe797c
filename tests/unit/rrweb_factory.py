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


# -- secret fields: a login page with every kind of secret field, each typed into --------------------------------

#: (node id, tag, attributes, what the user types) — every one of these values must never be stored nor shown
SECRET_FIELDS: list[tuple[int, str, dict[str, Any], str]] = [
    (40, "input", {"type": "PASSWORD"}, "Sx-type-upper-Q1"),
    (41, "input", {"type": "text", "autocomplete": "section-login current-password"}, "Sx-ac-section-Q2"),
    (42, "input", {"type": "text", "autocomplete": "current-password webauthn"}, "Sx-ac-webauthn-Q3"),
    (43, "input", {"autocomplete": "one-time-code"}, "Sx-ac-otc-Q4"),
    (44, "input", {"type": "text", "autocomplete": "New-Password"}, "Sx-ac-new-Q5"),
    (45, "input", {"type": "text", "data-rr-is-password": "true"}, "Sx-rr-is-pw-Q6"),
    (46, "input", {"type": "text", "class": "field rr-mask"}, "Sx-rr-mask-Q7"),
    (47, "input", {"type": "text", "name": "password"}, "Sx-name-pw-Q8"),
    (48, "input", {"type": "text", "id": "loginPin"}, "Sx-id-pin-Q9"),
    (49, "input", {"type": "tel", "name": "otp"}, "Sx-name-otp-R1"),
    (50, "input", {"type": "text", "name": "card_cvv"}, "Sx-name-cvv-R2"),
    (51, "input", {"type": "text", "id": "cvc"}, "Sx-id-cvc-R3"),
    (52, "input", {"type": "text", "name": "passcode"}, "Sx-name-passcode-R4"),
    (57, "textarea", {"name": "recovery_passphrase"}, "Sx-textarea-R5"),
]
#: fields that only become secret through a later attribute mutation: typed before and after it
LATE_FIELDS: list[tuple[int, str, dict[str, Any], dict[str, Any], str]] = [
    (53, "input", {"type": "text", "name": "answer"}, {"type": "password"}, "Sx-late-type-R6"),
    (54, "input", {"type": "text", "id": "code-entry"}, {"autocomplete": "one-time-code"}, "Sx-late-ac-R7"),
]
#: a plain field inside a box that gets the rr-mask class later (the mask comes from an ancestor)
LATE_MASKED_BOX, LATE_MASKED_FIELD, LATE_MASKED_VALUE = 55, 56, "Sx-late-ancestor-R8"
#: fields added by a mutation after the snapshot
ADDED_FIELDS: list[tuple[int, dict[str, Any], str]] = [
    (60, {"type": "text", "name": "pin"}, "Sx-added-pin-R9"),
    (61, {"type": "password"}, "Sx-added-pw-S1"),
]
#: ordinary fields (no secret: "spinner" and "option" must not read as pin / otp); their values may be kept
PLAIN_FIELDS: list[tuple[int, dict[str, Any], str]] = [
    (70, {"type": "text", "id": "amount"}, "Amount-4321-OK"),
    (71, {"type": "text", "id": "spinner", "name": "option"}, "Spinner-Option-OK"),
]
FIELD_LEFT, FIELD_W, FIELD_H, FIELD_STEP = 20, 360, 30, 40


def field_top(i: int) -> int:
    return 10 + i * FIELD_STEP


def _field_style(i: int) -> str:
    return (f"position:absolute;left:{FIELD_LEFT}px;top:{field_top(i)}px;width:{FIELD_W}px;height:{FIELD_H}px;"
            "margin:0;padding:0 4px;box-sizing:border-box;border:1px solid #888;background:#fff;color:#000;"
            "font:20px monospace")


def secret_page_layout() -> list[tuple[int, int, str]]:
    """(node id, row on the page, value in the snapshot) of every field the snapshot shows, top to bottom."""
    rows = [(nid, value) for nid, _tag, _attrs, value in SECRET_FIELDS]
    rows += [(nid, value + "-before") for nid, _tag, _a, _late, value in LATE_FIELDS]
    rows += [(LATE_MASKED_FIELD, LATE_MASKED_VALUE + "-before")]
    rows += [(nid, value) for nid, _attrs, value in PLAIN_FIELDS]
    return [(nid, i, value) for i, (nid, value) in enumerate(rows)]


def secrets_snapshot() -> dict[str, Any]:
    """The login page; every field already holds its value (recorded with input masking off)."""
    row = {nid: (i, value) for nid, i, value in secret_page_layout()}
    kids: list[dict[str, Any]] = []
    for nid, tag, attrs, _value in SECRET_FIELDS:
        i, value = row[nid]
        a = {**attrs, "style": _field_style(i)}
        if tag == "textarea":
            kids.append(el(nid, tag, a, [text(nid + 100, value)]))
        else:
            kids.append(el(nid, tag, {**a, "value": value}))
    for nid, tag, attrs, _late, _value in LATE_FIELDS:
        i, value = row[nid]
        kids.append(el(nid, tag, {**attrs, "style": _field_style(i), "value": value}))
    i, value = row[LATE_MASKED_FIELD]
    kids.append(el(LATE_MASKED_BOX, "div", {"class": "box"}, [
        el(LATE_MASKED_FIELD, "input", {"type": "text", "name": "memo", "style": _field_style(i), "value": value})]))
    for nid, attrs, _value in PLAIN_FIELDS:
        i, value = row[nid]
        kids.append(el(nid, "input", {**attrs, "style": _field_style(i), "value": value}))
    body = el(7, "body", {"style": "margin:0;background:#fff"}, kids)
    html = el(3, "html", {}, [el(4, "head", {}, [el(5, "title", {}, [text(6, "Log in")])]), body])
    return {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html"}, html]}


def _typed(t: int, nid: int, value: str) -> dict[str, Any]:
    return inc(t, 5, id=nid, text=value, isChecked=False)


def secrets_recording() -> list[dict[str, Any]]:
    """Types into every field; two fields become secret by attribute mutations, a box gets rr-mask, two secret
    fields are added by a mutation and typed into."""
    ev: list[dict[str, Any]] = [
        {"type": 4, "timestamp": T0, "data": {"href": "https://bank.example/login", "width": 800, "height": 900}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": secrets_snapshot(), "initialOffset": {"left": 0, "top": 0}}},
    ]
    t = 1000
    for nid, _tag, _attrs, value in SECRET_FIELDS:
        ev += [click(t, nid, 30, 30), _typed(t + 10, nid, value)]
        t += 50
    for nid, _tag, _attrs, _late, value in LATE_FIELDS:
        ev.append(_typed(t, nid, value + "-before"))
        t += 50
    ev.append(_typed(t, LATE_MASKED_FIELD, LATE_MASKED_VALUE + "-before"))
    for nid, _attrs, value in PLAIN_FIELDS:
        ev.append(_typed(t + 10, nid, value))
    ev.append(inc(3000, 0, texts=[], removes=[], adds=[], attributes=[
        *({"id": nid, "attributes": late} for nid, _tag, _a, late, _v in LATE_FIELDS),
        {"id": LATE_MASKED_BOX, "attributes": {"class": "box rr-mask"}}]))
    ev.append(inc(3500, 0, texts=[], removes=[], attributes=[], adds=[
        {"parentId": 7, "nextId": None, "node": el(nid, "input", attrs)} for nid, attrs, _v in ADDED_FIELDS]))
    t = 4000
    for nid, _tag, _attrs, _late, value in LATE_FIELDS:
        ev.append(_typed(t, nid, value + "-after"))
        t += 50
    ev.append(_typed(t, LATE_MASKED_FIELD, LATE_MASKED_VALUE + "-after"))
    for nid, _attrs, value in ADDED_FIELDS:
        ev.append(_typed(t + 100, nid, value))
        t += 50
    return ev


def typed_secrets() -> list[str]:
    """Every secret string of ``secrets_recording`` (before/after variants included)."""
    out = [v for *_x, v in SECRET_FIELDS] + [v for *_x, v in ADDED_FIELDS]
    out += [v + s for *_x, v in LATE_FIELDS for s in ("-before", "-after")]
    out += [LATE_MASKED_VALUE + s for s in ("-before", "-after")]
    return out

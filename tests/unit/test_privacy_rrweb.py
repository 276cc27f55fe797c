"""scrub_rrweb_events: every value a raw rrweb recording carries is reduced by the policy; hostile shapes never
raise; the field memory keeps a card field one across batches and through JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from replaylens.io.privacy import FieldMemory, scrub_rrweb_events

CARD, CVV, EXPIRY, IBAN, EMAIL, PHONE = "4111 1111 1111 1111", "737", "12/28", "DE89370400440532013000", \
    "anna.k@bank.co.th", "+66 81 234 5678"
SECRETS = ["4111 1111", "1111 1111 1111", CVV, EXPIRY, IBAN, EMAIL, "anna.k", "234 5678", "Anna Kowalski"]


def el(nid: int, tag: str, attrs: dict[str, Any] | None = None, kids: list[Any] | None = None) -> dict[str, Any]:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs or {}, "childNodes": kids or []}


def tx(nid: int, text: str) -> dict[str, Any]:
    return {"type": 3, "id": nid, "textContent": text}


def snapshot() -> dict[str, Any]:
    form = el(10, "form", {}, [
        el(11, "label", {"for": "cc-number"}, [tx(12, "Number")]),
        el(13, "input", {"id": "cc-number", "value": CARD}),                   # only its id says card
        el(14, "input", {"autocomplete": "cc-exp", "value": EXPIRY}),
        el(15, "label", {}, [tx(16, "CVV"), el(17, "input", {"name": "f3"})]),  # a wrapping label
        el(18, "input", {"type": "email", "name": "email", "value": EMAIL}),
        el(19, "input", {"name": "holder"}),
        el(20, "textarea", {"name": "comment"}, [tx(21, "call me " + PHONE)]),
        el(22, "input", {"name": "iban"}),
        el(23, "input", {"name": "amount", "value": "1250.00"}),
        el(24, "a", {"href": f"https://shop.example/u?mail={EMAIL}"}, [tx(25, "Signed in as " + EMAIL)]),
    ])
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [el(3, "body", {}, [form])])]}
    return {"type": 2, "timestamp": 1, "data": {"node": doc, "initialOffset": {"left": 0, "top": 0}}}


def inp(nid: int, text: str) -> dict[str, Any]:
    return {"type": 3, "timestamp": 2, "data": {"source": 5, "id": nid, "text": text, "isChecked": False}}


def recording() -> list[dict[str, Any]]:
    return [
        {"type": 4, "timestamp": 0, "data": {"href": f"https://shop.example/checkout?e={EMAIL}", "width": 1280,
                                              "height": 800}},
        snapshot(),
        *[inp(13, CARD[:i]) for i in range(1, len(CARD) + 1)],
        inp(14, EXPIRY), inp(17, CVV), inp(19, "Anna Kowalski"), inp(22, IBAN), inp(23, "1250.00"),
        {"type": 3, "timestamp": 3, "data": {"source": 0, "texts": [{"id": 21, "value": "new " + PHONE}],
                                             "attributes": [{"id": 19, "attributes": {"value": "Anna Kowalski"}}],
                                             "removes": [], "adds": []}},
        {"type": 5, "timestamp": 4, "data": {"tag": "checkout", "payload": {"email": EMAIL, "card": 4111111111111111,
                                                                            "order": 123456789012, "ok": True}}},
    ]


def test_typing_a_card_number_never_spells_it_out() -> None:
    out = scrub_rrweb_events(recording(), FieldMemory())
    card_inputs = [e["data"]["text"] for e in out if e["type"] == 3 and e["data"].get("source") == 5
                   and e["data"]["id"] == 13]
    assert len(card_inputs) == len(CARD)
    digits = {d for t in card_inputs for d in t if d.isdigit()}
    assert card_inputs[-1] == "\u2022\u2022\u2022\u2022 1111" and set(card_inputs[:-1]) == {"\u2022" * 4}
    assert digits == {"1"}


def test_nothing_recognised_passes_and_the_input_is_unchanged() -> None:
    events = recording()
    before = json.dumps(events)
    found: Counter[tuple[str, str]] = Counter()
    out = scrub_rrweb_events(events, FieldMemory(), found=found)
    assert json.dumps(events) == before  # the input is not modified
    text = json.dumps(out, ensure_ascii=False)
    for value in SECRETS:
        assert value not in text, value
    assert "\u2022\u2022\u2022\u2022 1111" in text  # the card number's last four in the fixed mask
    assert '"123456789012"' not in text and "123456789012" in text  # an order number passes as it was
    kinds = {k for k, _ in found}
    assert {"card_number", "card_expiry", "card_cvv", "email", "phone", "iban"} <= kinds
    inputs = [e["data"] for e in out if e["type"] == 3 and e["data"].get("source") == 5]
    assert [len(d["text"]) for d in inputs][-5:] == [len(EXPIRY), len(CVV), len("Anna Kowalski"), len(IBAN), 7]
    assert inputs[-5]["text"] == "*****" and inputs[-4]["text"] == "***"  # expiry and CVV: length only
    assert inputs[-3]["text"] == "Aaaa Aaaaaaaa"  # a name: its shape, by default
    assert inputs[-1]["text"] == "9999.99"


def test_keep_values_keeps_ordinary_values_only() -> None:
    out = scrub_rrweb_events(recording(), FieldMemory(), keep_values=True)
    text = json.dumps(out, ensure_ascii=False)
    assert "Anna Kowalski" in text and "1250.00" in text
    for value in ("4111 1111", CVV, EXPIRY, IBAN, EMAIL):
        assert value not in text


def test_a_card_field_stays_one_across_batches_and_json() -> None:
    events = recording()
    mem = FieldMemory()
    scrub_rrweb_events(events[:2], mem)
    mem2 = FieldMemory.from_json(mem.to_json())
    assert mem2.kind(13) == "card_number" and mem2.kind(17) == "card_cvv" and mem2.kind(14) == "card_expiry"
    later = scrub_rrweb_events([inp(13, "4111 11"), inp(13, CARD), inp(17, "99")], mem2)
    assert [e["data"]["text"] for e in later] == ["\u2022" * 4, "\u2022\u2022\u2022\u2022 1111", "**"]
    # an attribute mutation makes a field a card field later: it never goes back
    mut = {"type": 3, "timestamp": 5, "data": {"source": 0, "attributes": [
        {"id": 23, "attributes": {"autocomplete": "cc-number", "value": "5555555555554444"}}]}}
    back = {"type": 3, "timestamp": 6, "data": {"source": 0, "attributes": [{"id": 23, "attributes":
                                                                                  {"autocomplete": "off"}}]}}
    out = scrub_rrweb_events([mut, back, inp(23, "5555 5555")], mem2)
    assert out[0]["data"]["attributes"][0]["attributes"]["value"] == "\u2022\u2022\u2022\u2022 4444"
    assert out[2]["data"]["text"] == "\u2022" * 4
    assert FieldMemory.from_json("not json").kinds == {} and FieldMemory.from_json('{"kinds": [1]}').kinds == {}


def test_a_label_for_a_field_added_later() -> None:
    mem = FieldMemory()
    snap = snapshot()
    scrub_rrweb_events([snap], mem)
    add = {"type": 3, "timestamp": 7, "data": {"source": 0, "adds": [
        {"parentId": 10, "nextId": None, "node": el(40, "label", {"for": "sec"}, [tx(41, "Security code")])},
        {"parentId": 10, "nextId": None, "node": el(42, "input", {"id": "sec", "value": "123"})}]}}
    out = scrub_rrweb_events([add, inp(42, "1234")], mem)
    assert mem.kind(42) == "card_cvv"
    assert out[0]["data"]["adds"][1]["node"]["attributes"]["value"] == "***"
    assert out[1]["data"]["text"] == "****"


@pytest.mark.parametrize("hostile", [
    None, 1, "x", [], {"type": 2}, {"type": 2, "data": None}, {"type": 2, "data": {"node": [1, 2]}},
    {"type": 2, "data": {"node": {"type": 2, "tagName": 5, "attributes": [1], "childNodes": {"a": 1}}}},
    {"type": 3, "data": {"source": 5, "id": [1], "text": {"a": 1}}},
    {"type": 3, "data": {"source": 0, "adds": {"x": 1}, "texts": [1, {"id": 1, "value": 5}],
                         "attributes": [{"id": 1, "attributes": {"value": {"x": EMAIL}}}]}},
    {"type": 5, "data": {"tag": EMAIL, "payload": [[[[EMAIL]]]]}},
    {"type": 99, "data": {"x": {EMAIL: CARD}}},
    {"type": 4, "data": {"href": 5}},
])
def test_hostile_shapes_never_raise_nor_leak(hostile: Any) -> None:
    out = scrub_rrweb_events([hostile], FieldMemory())
    text = json.dumps(out, ensure_ascii=False, default=str)
    assert EMAIL not in text and "4111 1111" not in text


def test_a_very_deep_tree_is_cut_not_raised() -> None:
    node: dict[str, Any] = tx(100000, EMAIL)
    for i in range(5000):
        node = el(i + 2, "div", {}, [node])
    out = scrub_rrweb_events([{"type": 2, "data": {"node": node}}], FieldMemory())
    stack: list[Any] = [out]
    depth = 0
    while stack:  # every string of the output, iteratively (the input is too deep for json.dumps)
        o = stack.pop()
        if isinstance(o, dict):
            stack.extend(o.values())
            depth += o.get("tagName") == "div"
        elif isinstance(o, list):
            stack.extend(o)
        else:
            assert not (isinstance(o, str) and EMAIL in o)
    assert 900 < depth <= 1001


def test_scrubbing_is_idempotent_and_a_scrubbed_recording_audits_clean() -> None:
    once = scrub_rrweb_events(recording(), FieldMemory())
    found: Counter[tuple[str, str]] = Counter()
    twice = scrub_rrweb_events(once, FieldMemory(), found=found)
    assert twice == once and not found


def test_select_options_and_page_text_are_not_typed_values() -> None:
    sel = el(50, "select", {"name": "country"}, [el(51, "option", {"value": "TH"}, [tx(52, "Thailand")])])
    masked = el(53, "div", {"class": "rr-mask"}, [tx(54, "Balance 1,250.00")])
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [el(3, "body", {}, [sel, masked])])]}
    mem = FieldMemory()
    out = json.dumps(scrub_rrweb_events([{"type": 2, "timestamp": 1, "data": {"node": doc}}], mem))
    assert "Thailand" in out and '"TH"' in out  # the site's options stay (the choice comes as an input event)
    assert "Balance" not in out and "*******" in out  # text inside a mask class: never kept
    assert FieldMemory.from_json(mem.to_json()).holders == mem.holders == {53}

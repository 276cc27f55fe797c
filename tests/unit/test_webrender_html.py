"""The snapshot sanitiser (io/rrweb/html.py): every dangerous construct removed or neutralised, content kept,
privacy rules applied, malformed input tolerated. Pure Python: no Qt."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from replaylens.io.rrweb.fields import SECRET_LABEL
from replaylens.io.rrweb.html import (
    CSP,
    sanitize_css,
    snapshot_title,
    snapshot_to_html,
    wireframe_boxes,
)

_ids = iter(range(1, 10**9))


def el(tag: str, attrs: dict[str, Any] | None = None, *kids: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": 2, "id": next(_ids), "tagName": tag, "attributes": attrs or {}, "childNodes": list(kids), **extra}


def text(t: str, **extra: Any) -> dict[str, Any]:
    return {"type": 3, "id": next(_ids), "textContent": t, **extra}


def doc(*body: dict[str, Any], head: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": 0, "id": next(_ids), "childNodes": [
        {"type": 1, "id": next(_ids), "name": "html", "publicId": "", "systemId": ""},
        el("html", {"lang": "en"}, el("head", {}, *(head or [])), el("body", {}, *body)),
    ]}


def test_scripts_and_active_content_are_dropped_with_their_content() -> None:
    out = snapshot_to_html(doc(
        el("script", {}, text("document.body.style.background='red'")),
        el("script", {"src": "https://evil.example/x.js"}),
        el("noscript", {}, text("enable JS")),
        el("object", {"data": "https://evil.example/o"}),
        el("embed", {"src": "https://evil.example/e"}),
        el("p", {}, text("kept")),
        head=[el("base", {"href": "https://evil.example/"}),
              el("meta", {"http-equiv": "refresh", "content": "0;url=https://evil.example/"}),
              el("meta", {"name": "viewport", "content": "width=device-width"})],
    ))
    low = out.lower()
    for gone in ("<script", "style.background='red'", "<noscript", "enable js", "<object", "<embed", "<base",
                 "refresh", "evil.example"):
        assert gone not in low, gone
    assert "<p>kept</p>" in out
    assert '<meta name="viewport"' in out


def test_event_handlers_javascript_urls_and_fetching_attributes_are_removed() -> None:
    out = snapshot_to_html(doc(
        el("button", {"onclick": "steal()", "ONMOUSEOVER": "x()", "class": "cta"}, text("Deposit")),
        el("a", {"href": "javascript:steal()", "ping": "https://evil.example/p", "target": "_blank"},
           text("Open account")),
        el("a", {"href": "https://bank.example/terms"}, text("Terms")),
        el("img", {"src": "https://cdn.example/a.png", "srcset": "https://cdn.example/b.png 2x",
                   "onerror": "steal()"}),
        el("img", {"src": "data:image/png;base64,AAAA", "alt": "inline"}),
        el("form", {"action": "https://evil.example/f"}, el("button", {"formaction": "https://evil.example/g"})),
        el("video", {"poster": "https://cdn.example/p.jpg", "src": "https://cdn.example/v.mp4"}),
        el("iframe", {"src": "https://evil.example/frame"}),
        el("svg", {}, el("image", {"href": "https://cdn.example/i.svg"}, isSVG=True),
           el("use", {"xlink:href": "#icon"}, isSVG=True), isSVG=True),
    ))
    assert not re.search(r"\son\w+=", out, re.IGNORECASE)
    for gone in ("javascript:", "ping=", "srcset", "formaction", "action=", "target=", "https://"):
        assert gone not in out, gone
    assert '<button class="cta">Deposit</button>' in out
    assert '<a href="#">Open account</a>' in out and '<a href="#">Terms</a>' in out  # text and link look kept
    assert 'src="data:image/png;base64,AAAA"' in out  # data: media stays
    assert 'xlink:href="#icon"' in out  # same-document SVG reference stays
    # remote img, video, iframe and svg image become grey placeholders
    assert re.findall(r"<(\w+)[^>]* data-rl-blocked", out) == ["img", "video", "iframe", "image"]


def test_css_fetches_are_neutralised_and_the_rest_is_kept() -> None:
    css = ("@import url(https://evil.example/a.css);@import 'b.css';"
           ".hero{color:#123456;background:url('https://cdn.example/h.png') no-repeat}"
           ".icon{background-image:u\\72l(https://evil.example/escaped.png)}"
           ".set{background:image-set('https://cdn.example/1x.png' 1x, url(data:image/png;base64,QQ==) 2x)}"
           "@font-face{font-family:F;src:url(data:font/woff2;base64,d09G) format('woff2'),url(f.woff)}"
           ".c::after{content:'url(not-a-fetch)'}")
    out = sanitize_css(css)
    assert "evil.example" not in out and "cdn.example" not in out and "f.woff" not in out
    assert "@import" not in out.replace("/* @import removed */", "")
    assert ".hero{color:#123456;background:url(data:,) no-repeat}" in out
    assert "url(data:image/png;base64,QQ==)" in out and "url(data:font/woff2;base64,d09G)" in out
    assert "content:'url(not-a-fetch)'" in out  # strings that merely look like URLs are text


def test_stylesheets_become_inline_style_and_style_attributes_are_cleaned() -> None:
    out = snapshot_to_html(doc(
        el("div", {"style": "background:url(https://cdn.example/x.png);color:red;height:50vh"}, text("x")),
        head=[el("link", {"rel": "stylesheet", "_cssText": ".a{color:#0a0b0c}</style><script>x()</script>"}),
              el("link", {"rel": "stylesheet", "href": "https://cdn.example/site.css"}),
              el("link", {"rel": "icon", "href": "https://cdn.example/favicon.ico"}),
              el("style", {}, text(".b{background:url(//cdn.example/b.png)}", isStyle=True))],
    ))
    assert "cdn.example" not in out and "<link" not in out
    assert ".a{color:#0a0b0c}" in out
    assert "</style><script>" not in out  # inline CSS cannot close its element early
    assert 'style="background:url(data:,);color:red;height:50vh"' in out
    pinned = snapshot_to_html(doc(el("div", {"style": "height:50vh"})), viewport=(400, 800))
    assert 'style="height:400px"' in pinned  # vh pinned to the recorded viewport for full-page shots


def test_csp_meta_comes_before_any_element() -> None:
    out = snapshot_to_html(doc(el("p", {}, text("hi")), head=[el("style", {}, text("p{}", isStyle=True))]))
    assert out.startswith("<!DOCTYPE html>")
    csp_at = out.index(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    assert csp_at < out.index("<html") < out.index("<style>p{}")
    assert "default-src 'none'" in CSP and "img-src data:" in CSP and "script-src" not in CSP


def test_secrets_are_a_masked_box_without_their_value_and_other_values_are_masked_by_default() -> None:
    snap = doc(
        el("input", {"type": "password", "value": "hunter2!"}),
        el("input", {"type": "text", "autocomplete": "cc-number", "value": "4111111111111111"}),
        el("input", {"type": "email", "value": "ana@example.com"}),
    )
    for shown in (False, True):
        out = snapshot_to_html(snap, show_values=shown)
        assert "hunter2" not in out and "4111" not in out
        # secrets: no value at all (not even its length), marked for the masked-box style
        assert '<input type="password" data-rl-secret>' in out
        assert '<input type="text" autocomplete="cc-number" data-rl-secret>' in out
        assert "[data-rl-secret]{" in out
    # every other recorded value: bullets of the same length by default, the value only when asked to show it
    assert 'value="' + "\u2022" * 15 + '"' in snapshot_to_html(snap)
    assert "ana@example.com" not in snapshot_to_html(snap)
    assert 'value="ana@example.com"' in snapshot_to_html(snap, show_values=True)


def test_rr_block_becomes_a_grey_box_of_its_recorded_size_and_rr_mask_text_is_starred() -> None:
    out = snapshot_to_html(doc(
        el("div", {"class": "rr-block card", "rr_width": "320px", "rr_height": "180px"}, text("IBAN DE89 3704")),
        el("p", {"class": "rr-mask"}, text("Balance 12,345.67 EUR"), el("b", {}, text("VIP"))),
    ))
    assert "IBAN" not in out and "12,345" not in out and "VIP" not in out
    assert re.search(r'<div class="rr-block card" style="[^"]*width:320px;height:180px;[^"]*" data-rl-block>', out)
    assert "******* ********* ***<b>***</b>" in out


def test_mask_text_masks_every_text_and_input_value_but_keeps_css() -> None:
    out = snapshot_to_html(doc(el("h1", {}, text("Welcome back, Ana")),
                               el("input", {"value": "Ana Lopez"}),
                               el("input", {"type": "submit", "value": "Send"}),
                               head=[el("style", {}, text("h1{color:#abcdef}", isStyle=True))]), mask_text=True)
    assert "Welcome" not in out and "Lopez" not in out
    assert "<h1>******* ***** ***</h1>" in out and 'value="*** *****"' in out
    assert 'value="Send"' in out and "h1{color:#abcdef}" in out


def test_text_and_attributes_are_escaped_and_invalid_names_dropped() -> None:
    out = snapshot_to_html(doc(
        el("p", {"title": 'a"><script>x()</script>', "bad name": "1", "x\"y": "2"}, text("<b>1 & 2</b>")),
        el('img src=x onerror="x()"', {}),
        el("title", {}, text("</title><script>x()</script>")),
    ))
    assert "<script" not in out
    assert '<p title="a&quot;&gt;&lt;script&gt;x()&lt;/script&gt;">&lt;b&gt;1 &amp; 2&lt;/b&gt;</p>' in out
    assert "bad name" not in out and "onerror" not in out


def test_malformed_and_deep_trees_do_not_raise() -> None:
    deep: dict[str, Any] = text("bottom")
    for _ in range(20_000):
        deep = el("div", {}, deep)
    out = snapshot_to_html(doc(deep))
    assert out.count("<div>") == 20_000 and "bottom" in out
    for bad in ({}, {"type": 2}, {"type": 2, "tagName": 5, "childNodes": "x"}, {"type": 0, "childNodes": [None, 1]},
                {"type": 2, "tagName": "p", "attributes": {"a": {"x": 1}, "b": None, "c": True, "d": 3}}):
        assert isinstance(snapshot_to_html(bad), str)  # type: ignore[arg-type]
    assert '<p c d="3"></p>' in snapshot_to_html({"type": 2, "tagName": "p", "attributes": {"c": True, "d": 3}})


def test_shadow_dom_and_recorded_iframes_are_rebuilt_inertly() -> None:
    host = el("my-card", {}, el("span", {}, text("shadow text"), isShadow=True), text("light"), isShadowHost=True)
    frame_doc = {"type": 0, "childNodes": [el("html", {}, el("body", {}, el("script", {}, text("x()")),
                                                                 el("p", {}, text("inside"))))]}
    out = snapshot_to_html(doc(host, el("iframe", {"src": "https://evil.example/"}, frame_doc)))
    assert '<my-card><template shadowrootmode="open"><span>shadow text</span></template>light</my-card>' in out
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"></iframe>', out)
    assert srcdoc is not None and "evil.example" not in out
    assert "&lt;p&gt;inside&lt;/p&gt;" in srcdoc.group(1) and "Content-Security-Policy" in srcdoc.group(1)
    assert "x()" not in srcdoc.group(1)


def test_title() -> None:
    assert snapshot_title(doc(el("svg", {}, el("title", {}, text("icon"))),
                              head=[el("title", {}, text("  Wallet \n – Nimbus "))])) == "Wallet – Nimbus"
    assert snapshot_title(doc(el("p", {}, text("x")))) == ""
    assert snapshot_title({}) == ""


def test_wireframe_layout_hides_secrets_and_lays_out_controls() -> None:
    boxes, height = wireframe_boxes(doc(
        el("h1", {}, text("Deposit")),
        el("p", {}, text("Amount "), el("a", {"href": "#"}, text("fees"))),
        el("input", {"type": "password", "value": "hunter2"}),
        el("button", {}, text("Confirm")),
        el("div", {"class": "rr-block", "rr_width": "200px", "rr_height": "50px"}),
        el("img", {"width": "64", "height": "32", "alt": "logo"}),
    ), 400)
    kinds = [(b.kind, b.label) for b in boxes]
    assert kinds == [("heading", "Deposit"), ("text", "Amount fees"), ("input", SECRET_LABEL),
                     ("button", "Confirm"), ("blocked", "blocked"), ("media", "logo")]
    assert [b.y for b in boxes] == sorted(b.y for b in boxes)  # flow layout: top to bottom, no overlap
    blocked = boxes[4]
    assert (blocked.w, blocked.h) == (200, 50)
    assert height == boxes[-1].y + boxes[-1].h + 4 + 8


def _full_snapshots(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    while isinstance(data, dict) and "events" in data:
        data = data["events"]
    if isinstance(data, dict) and "node" in data:
        return [data["node"]]
    return [e["data"]["node"] for e in data if isinstance(e, dict) and e.get("type") == 2] if isinstance(
        data, list) else []


@pytest.mark.shared
def test_every_real_snapshot_sanitises_to_inert_html(shared_data: Path) -> None:
    nodes = [n for p in sorted(shared_data.glob("*/**/*.json")) for n in _full_snapshots(p)]
    assert len(nodes) >= 40
    fetching = re.compile(r"""(?:\s(?:src|href|poster|xlink:href)="(?!data:|#))|url\(\s*+['"]?+\s*+(?!data:|#)""",
                          re.IGNORECASE)
    for node in nodes:
        out = snapshot_to_html(node)
        assert "<script" not in out.lower()
        assert not re.search(r"<[^>]*\son[a-z]+=", out, re.IGNORECASE)
        assert fetching.search(out) is None, fetching.search(out)

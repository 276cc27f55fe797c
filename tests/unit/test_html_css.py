"""The CSS sanitiser (io/rrweb/html_css.py) against tricks a regular-expression filter misses: escaped function
names, comments inside url(), @import in other cases or escaped, fetches nested in @media/@supports, image-set()
strings (directly or through var()), remote fonts behind a unicode-range, script-attaching properties.

Every trick is first shown to get through a naive filter (so the case is a real trick, not one any filter stops),
then shown not to get through ours."""

from __future__ import annotations

import re
from typing import Any

import pytest
import tinycss2

from replaylens.io.rrweb.html import sanitize_css, snapshot_to_html

EVIL = "evil.example"


def naive_regex(css: str) -> str:
    """What a hand-written filter often does: drop ``@import``, blank ``url(http…)`` and ``url(//…)``."""
    css = re.sub(r"@import[^;]*;", "", css)
    return re.sub(r"url\(\s*['\"]?(?:https?:|//)[^)]*\)", "url(data:,)", css)


def naive_top_level(css: str) -> str:
    """A parser-based filter that only looks at top-level rules: blanks their url()s, drops top-level @import."""
    def blank(nodes: list[Any]) -> list[Any]:
        return [tinycss2.ast.URLToken(n.source_line, n.source_column, "data:,", "url(data:,)")
                if n.type == "url" or (n.type == "function" and n.lower_name == "url") else n for n in nodes]
    rules = [r for r in tinycss2.parse_stylesheet(css)
             if not (r.type == "at-rule" and r.lower_at_keyword == "import") and r.type != "error"]
    for r in rules:
        if r.type == "qualified-rule":
            r.content = blank(r.content)
    return str(tinycss2.serialize(rules))


def leaks(out: str) -> bool:
    """The output can still fetch or attach script (the markers these cases use)."""
    low = out.lower().replace("/* @import removed */", "")
    return (EVIL in low or "image-set(var(" in low or "behavior" in low or "-moz-binding" in low
            or "expression(" in low or re.search(r"@(import|\\69 ?mport)", low) is not None)


TRICKS = {
    "escaped u\\rl(": ".a{background:u\\rl(https://evil.example/a.png)}",
    "hex-escaped \\75 rl(": ".a{background:\\75 rl(https://evil.example/a.png)}",
    "escaped url function with a string": ".a{background:u\\72 l('//evil.example/a.png')}",
    "comment inside an unquoted url": ".a{background:url(/**/https://evil.example/a.png)}",
    "comment before a quoted url": ".a{background:url(/*x*/\"https://evil.example/a.png\")}",
    "@IMPORT upper case": "@IMPORT url(https://evil.example/a.css);.a{color:red}",
    "@Import mixed case": "@Import \"https://evil.example/b.css\" screen;.a{color:red}",
    "@import escaped": "@\\69mport 'https://evil.example/c.css';.a{color:red}",
    "@media > @supports > url": "@media screen{@supports (display:grid){.a{background:url(https://evil.example/x)}}}",
    "@supports > @media > @import": "@supports (color:red){@media print{@import url(https://evil.example/p.css);}}",
    "@container > url in nested rule": "@container (min-width:1px){.a{.b{cursor:url(https://evil.example/c.cur),auto}}}",
    "image-set strings": ".a{background-image:image-set(\"https://evil.example/1x.png\" 1x,'//evil.example/2' 2x)}",
    "-webkit-image-set string": ".a{background:-WEBKIT-IMAGE-SET('https://evil.example/1x.png' 1x)}",
    "image-set through var()": ".a{--u:\"https://var.example/v.png\";background:image-set(var(--u) 1x)}",
    "unicode-range font with remote src": ("@font-face{font-family:X;src:URL(https://evil.example/f.woff2) "
                                           "format('woff2');unicode-range:U+0000-00FF,U+0131}"),
    "behavior and -moz-binding": ".a{behavior:url(x.htc);-moz-binding:url(x.xml#b);color:red}",
    "expression()": ".a{width:expression(alert(1));color:red}",
}


@pytest.mark.parametrize("css", list(TRICKS.values()), ids=list(TRICKS))
def test_each_trick_gets_through_a_naive_filter(css: str) -> None:
    assert leaks(naive_regex(css)) or leaks(naive_top_level(css))


@pytest.mark.parametrize("css", list(TRICKS.values()), ids=list(TRICKS))
def test_no_trick_gets_through_the_sanitiser(css: str) -> None:
    out = sanitize_css(css)
    assert not leaks(out), out
    assert "@import" not in out.replace("/* @import removed */", "")


@pytest.mark.parametrize("css", list(TRICKS.values()), ids=list(TRICKS))
def test_no_trick_gets_through_a_style_attribute_or_a_style_element(css: str) -> None:
    body = css.split("{", 1)[1].rsplit("}", 1)[0] if css.startswith(".a{") else "color:red"
    snap = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "id": 2, "tagName": "html", "attributes": {}, "childNodes": [
            {"type": 2, "id": 3, "tagName": "style", "attributes": {}, "childNodes": [
                {"type": 3, "id": 4, "textContent": css, "isStyle": True}]},
            {"type": 2, "id": 5, "tagName": "div", "attributes": {"style": body}, "childNodes": []},
            {"type": 2, "id": 6, "tagName": "link", "attributes": {"rel": "stylesheet", "_cssText": css}}]}]}
    out = snapshot_to_html(snap)
    assert not leaks(out.split('<style id="replaylens-static">', 1)[1].split("</style>", 1)[1]), out


def test_what_renders_is_kept() -> None:
    css = ("@charset \"utf-8\";@namespace svg url(http://www.w3.org/2000/svg);"
           "@media (min-width:600px){.a{color:red;height:50vh}}"
           "@supports (display:grid){.g{display:grid}}@layer base{.l{margin:0}}"
           "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}"
           "@font-face{font-family:F;src:url(data:font/woff2;base64,d09G) format('woff2');unicode-range:U+0-FF}"
           ".c::after{content:'\\201C' 'url(x)'}.s{background:image-set('data:image/png;base64,QQ==' 1x)}"
           "@page :first{margin:1in;@top-left{content:\"x\"}}.n:nth-child(2n+1){color:blue}")
    out = sanitize_css(css, viewport=(400, 800))
    for kept in ("@charset \"utf-8\";", "@namespace svg url(http://www.w3.org/2000/svg);",
                 "@media (min-width:600px){.a{color:red;height:400px}}", "@supports (display:grid){.g{display:grid}}",
                 "@layer base{.l{margin:0}}", "@keyframes spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}",
                 "src:url(data:font/woff2;base64,d09G) format('woff2');unicode-range:U+0-FF}",
                 ".c::after{content:'\\201C' 'url(x)'}", "image-set('data:image/png;base64,QQ==' 1x)",
                 "@page :first{margin:1in;@top-left{content:\"x\"}}"):
        assert kept in out, (kept, out)
    assert re.search(r"\.n:nth-child\(2n(/\*\*/)?\+1\)\{color:blue\}", out)


def test_unknown_at_rules_are_dropped_and_bad_urls_blanked() -> None:
    out = sanitize_css("@-moz-document url-prefix(https://evil.example/){.a{color:red}}@custom-thing x;"
                       ".b{background:url(https://evil.example/a b.png)}.c{color:green}")
    assert EVIL not in out and "@-moz-document" not in out and "@custom-thing" not in out
    assert ".b{background:url(data:,)}" in out and ".c{color:green}" in out


def test_hostile_nesting_does_not_raise() -> None:
    for css in ("(" * 100_000 + "url(https://evil.example/)", "{" * 50_000 + "a:url(//evil.example/)",
                "a{" * 20_000, "@media x{" * 5_000 + ".a{background:url(//evil.example/x)}"):
        assert EVIL not in sanitize_css(css)

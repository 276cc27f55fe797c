"""Rebuild a *sanitised* HTML document from an rrweb FullSnapshot node tree (pure Python, no Qt).

A recorded snapshot is untrusted: a hostile or merely ordinary page carries scripts, inline event handlers and
remote URLs. Rendering it must neither run code nor contact the network, so the document rebuilt here is inert on
its own (first safety layer; the renderer in ``replaylens.io.webrender`` adds JavaScript-off, a request interceptor
that blocks everything but ``data:``, a navigation guard and a dead-proxy network kill switch; docs/rendering.md):

* dropped with their content: ``script noscript object embed applet base frame frameset param portal noembed
  noframes``, ``<meta http-equiv>``, every ``<link>`` except those whose stylesheet rrweb inlined (``_cssText``,
  turned into ``<style>`` as rrweb's own rebuild does), comments and CDATA;
* dropped attributes: every ``on*`` handler, ``srcset ping formaction action target download background lowsrc
  dynsrc longdesc manifest integrity nonce autofocus`` and any value starting with ``javascript:``/``vbscript:``;
* URLs: ``src``/``href``/``poster``/``xlink:href``… keep only ``data:`` (on media) or ``#fragment`` (SVG
  references); ``<a href>`` becomes ``href="#"`` (link text and styling kept, target gone); ``<iframe>`` loses
  ``src`` and shows the recorded same-origin document through ``srcdoc`` (sanitised the same way);
* CSS (``<style>`` text, ``_cssText``, ``style`` and any attribute using ``url(``): ``@import`` removed, every
  ``url()``/``src()`` that is not ``data:``/``#`` becomes ``url(data:,)``, strings inside ``image-set()`` likewise;
  CSS escapes (``u\\72l(``) are decoded before deciding;
* a strict Content-Security-Policy ``<meta>`` comes first (defence in depth), plus a small style that puts CSS
  animations at their end state so a static screenshot is deterministic.

Privacy (``io.rrweb.fields``; the secret rule is ``io.rrweb.secrets``, shared with the importer): a secret field
renders as a masked box with no value at all; every other recorded input value is masked by default (bullets,
``*`` runs for textarea/select/contenteditable text) unless ``show_values=True``; ``rr-block`` elements (or ones
carrying ``rr_width``/``rr_height``) become a hatched grey box of their recorded size; text inside masking
elements (``rr-mask``, ``data-rr-is-password``, ...) becomes ``*`` runs (rrweb's own mask function);
``mask_text=True`` masks every text node and input value. ``secret_nodes`` (from the importer) adds the node ids
that become secret or masking through later attribute mutations.

The tree is walked with an explicit stack, so a maliciously deep snapshot cannot exhaust Python's recursion limit;
malformed nodes are skipped, never raised on.
"""

from __future__ import annotations

import html as _html
import math
import re
from dataclasses import dataclass
from typing import Any

from replaylens.io.rrweb import fields
from replaylens.io.rrweb import secrets as _secrets
from replaylens.io.rrweb.fields import mask_run as mask_run  # re-exported: the mask is defined once, in fields
from replaylens.io.rrweb.secrets import SecretNodes

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline' data:; font-src data:; media-src data:"
#: CSS injected after the CSP: animations jump to their end state, no transitions, no caret; blanked media greyed.
STATIC_CSS = (
    "*,*::before,*::after{animation-duration:0s!important;animation-delay:0s!important;"
    "animation-iteration-count:1!important;transition-duration:0s!important;transition-delay:0s!important;"
    "caret-color:transparent!important}"
    "[data-rl-blocked]{background-color:#e6e8eb!important}"
    + fields.SECRET_CSS
)
BLOCK_STYLE = ("background:#d5d8dc repeating-linear-gradient(45deg,#d5d8dc 0 8px,#c4c8cd 8px 16px)!important;"
               "box-sizing:border-box;")

MAX_IFRAME_DEPTH = 3  #: nested recorded iframes rebuilt through srcdoc; deeper ones stay empty boxes
_DOCUMENT, _DOCTYPE, _ELEMENT, _TEXT, _CDATA, _COMMENT = 0, 1, 2, 3, 4, 5
_DROP_TAGS = frozenset({"script", "noscript", "object", "embed", "applet", "base", "frame", "frameset", "param",
                        "portal", "fencedframe", "noembed", "noframes", "handler", "listener"})
_RENAME_TAGS = {"xmp": "pre", "plaintext": "pre", "listing": "pre"}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr", "keygen"})
_DROP_ATTRS = frozenset({"srcset", "imagesrcset", "ping", "formaction", "action", "target", "download",
                         "background", "lowsrc", "dynsrc", "longdesc", "manifest", "integrity", "nonce", "autofocus",
                         "codebase", "classid", "archive", "profile", "http-equiv", "xml:base", "referrerpolicy"})
_URL_ATTRS = frozenset({"src", "href", "xlink:href", "poster", "cite", "icon", "usemap", "data", "formtarget"})
#: elements whose src/href/poster may keep a data: URL (images and media only; never documents or scripts)
_DATA_OK = frozenset({"img", "image", "source", "video", "audio", "track", "input", "feimage", "picture"})
_INLINE = frozenset({"span", "a", "img", "svg", "video", "canvas", "input", "button", "label", "i", "b", "em",
                     "strong", "iframe", "picture", "select", "textarea", "small", "abbr", "code"})
_BLANKED_MEDIA = frozenset({"img", "image", "video", "iframe", "picture"})
_TAG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]*$")
_ATTR_RE = re.compile(r"^[A-Za-z_:@][-A-Za-z0-9_:.@]*$")
_SIZE_RE = re.compile(r"^\s*\d+(?:\.\d+)?(?:px)?\s*$")
_CTRL_RE = re.compile(r"[\x00-\x20\x7f]+")
_RAW_END_RE = re.compile(r"</(style|title|textarea)", re.IGNORECASE)

# ---------------------------------------------------------------- CSS

_ESC = r"\\(?:[0-9a-fA-F]{1,6}[ \t\n\r\f]?|[^\n\r\f0-9a-fA-F])"
_CSS_TOKEN = re.compile(
    r"/\*.*?(?:\*/|\Z)"                                   # comment (first, so quotes inside it are ignored)
    r"|\"(?:[^\"\\\n]|\\.|\\\n)*\"?|'(?:[^'\\\n]|\\.|\\\n)*'?"  # strings (a bare newline ends a bad string)
    rf"|@(?P<at>(?:[-\w]|{_ESC})++)"                        # at-keyword
    rf"|(?<![-\w\\])(?P<fn>(?:[-\w]|{_ESC})++)\("           # function token: a whole ident followed by "("
    r"|[()]",
    re.DOTALL,
)
_ESC_ONE = re.compile(_ESC)
_URL_FUNCS = frozenset({"url", "src"})
_SET_FUNCS = frozenset({"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"})
_BLANK_URL = "url(data:,)"
_VH_RE = re.compile(r"(?<![\w.\\-])(-?(?:\d+\.?\d*|\.\d+))(vh|svh|lvh|dvh|vb|vmin|vmax)\b", re.IGNORECASE)


def _unescape_css(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        body = m.group(0)[1:].rstrip(" \t\n\r\f")
        if body and all(c in "0123456789abcdefABCDEF" for c in body):
            code = int(body, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return body
    return _ESC_ONE.sub(one, text)


def _url_allowed(raw: str, *, data_ok: bool = True) -> bool:
    """A URL may stay when it cannot cause a request: ``data:`` (if allowed here) or a same-document fragment."""
    url = _CTRL_RE.sub("", raw).lower()
    return url.startswith("#") or (data_ok and url.startswith("data:"))


_URL_QUOTED = re.compile(r"[ \t\n\r\f]*(?:\"((?:[^\"\\\n]|\\.)*)\"?|'((?:[^'\\\n]|\\.)*)'?)[^)]*\)?", re.DOTALL)
_URL_BARE = re.compile(r"((?:[^)\\]|\\.)*)\)?", re.DOTALL)
_STATEMENT_END = re.compile(r"/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?|[;{}]", re.DOTALL)


def _scan_url_arg(css: str, pos: int) -> tuple[str, int]:
    """From just after ``url(``: return (the argument without quotes, index after the closing ``)``)."""
    m = _URL_QUOTED.match(css, pos)
    if m is not None:
        return (m.group(1) if m.group(1) is not None else m.group(2) or ""), m.end()
    m = _URL_BARE.match(css, pos)
    assert m is not None  # the pattern matches the empty string
    return m.group(1), m.end()


def _skip_statement(css: str, pos: int) -> int:
    """Index just after the ``;`` ending an at-rule (strings respected), or where the next block starts/ends."""
    for m in _STATEMENT_END.finditer(css, pos):
        if m.group(0) == ";":
            return m.end()
        if m.group(0) in "{}":
            return m.start()
    return len(css)


def _fix_viewport_units(text: str, viewport: tuple[int, int] | None) -> str:
    if viewport is None or "v" not in text:
        return text
    w, h = viewport
    scale = {"vh": h, "svh": h, "lvh": h, "dvh": h, "vb": h, "vmin": min(w, h), "vmax": max(w, h)}
    return _VH_RE.sub(lambda m: f"{float(m.group(1)) * scale[m.group(2).lower()] / 100:.6g}px", text)


def sanitize_css(css: str, viewport: tuple[int, int] | None = None) -> str:
    """Neutralise every way CSS can fetch: ``@import`` removed, non-data ``url()``/``src()``/``image-set`` strings
    blanked. Everything else (selectors, fonts in data: URIs, ``content`` strings) is kept byte for byte, except
    that with ``viewport=(w, h)`` the height-relative units (vh, svh, lvh, dvh, vb, vmin, vmax) become px of the
    *recorded* viewport: a full-page screenshot renders with a viewport as tall as the document, and a
    ``min-height: 100vh`` hero would otherwise grow with it."""
    out: list[str] = []
    stack: list[bool] = []  # one entry per open paren: True when inside an image-set()-like function
    pos = 0
    n = len(css)
    while pos < n:
        m = _CSS_TOKEN.search(css, pos)
        if m is None:
            break
        out.append(_fix_viewport_units(css[pos:m.start()], viewport))
        tok = m.group(0)
        pos = m.end()
        if m.group("at") is not None:
            if _unescape_css(m.group("at")).lower() == "import":
                pos = _skip_statement(css, pos)
                out.append("/* @import removed */")
                continue
            out.append(tok)
        elif m.group("fn") is not None:
            name = _unescape_css(m.group("fn")).lower()
            if name in _URL_FUNCS:
                arg, end = _scan_url_arg(css, pos)
                out.append(css[m.start():end] if _url_allowed(_unescape_css(arg)) else _BLANK_URL)
                pos = end
                continue
            stack.append(name in _SET_FUNCS)
            out.append(tok)
        elif tok == "(":
            stack.append(False)
            out.append(tok)
        elif tok == ")":
            if stack:
                stack.pop()
            out.append(tok)
        elif tok[:1] in "\"'" and stack and stack[-1]:
            inner = tok[1:-1] if len(tok) > 1 and tok[-1] == tok[0] else tok[1:]
            out.append(tok if _url_allowed(_unescape_css(inner)) else '"data:,"')
        else:
            out.append(tok)
    out.append(_fix_viewport_units(css[pos:], viewport))
    return "".join(out)


# ---------------------------------------------------------------- helpers on nodes


def _attrs(node: dict[str, Any]) -> dict[str, str]:
    """The element's attributes as strings (rrweb stores true for bare attributes; false/None/objects drop)."""
    raw = node.get("attributes")
    out: dict[str, str] = {}
    if not isinstance(raw, dict):
        return out
    for k, v in raw.items():
        if not isinstance(k, str) or v is None or v is False or isinstance(v, dict | list):
            continue
        out[k] = "" if v is True else str(v)
    return out


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    kids = node.get("childNodes")
    return [k for k in kids if isinstance(k, dict)] if isinstance(kids, list) else []


def _node_id(node: dict[str, Any]) -> int:
    """The node's rrweb id, -1 when missing or not an integer (a hostile id may be unhashable)."""
    nid = node.get("id")
    return nid if isinstance(nid, int) and not isinstance(nid, bool) else -1


def _classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


def is_blocked(attrs: dict[str, str]) -> bool:
    return "rr-block" in _classes(attrs) or "rr_width" in attrs or "rr_height" in attrs


def blocked_size(attrs: dict[str, str]) -> tuple[str, str]:
    """CSS width/height of an rr-block placeholder from the recorded ``rr_width``/``rr_height`` ('' if unknown)."""
    def px(v: str | None) -> str:
        return f"{float(v.strip().removesuffix('px')):g}px" if v and _SIZE_RE.match(v) else ""
    return px(attrs.get("rr_width")), px(attrs.get("rr_height"))


def node_text(node: dict[str, Any], limit: int = 10_000, *, masked: bool = False) -> str:
    """Concatenated text content under ``node`` (style/script text excluded), whitespace collapsed; text under an
    ``rr-mask`` element (or everything when ``masked``) comes out as ``*`` runs."""
    parts: list[str] = []
    stack = [(node, masked)]
    size = 0
    while stack and size < limit:
        cur, hide = stack.pop()
        if cur.get("type") == _TEXT and not cur.get("isStyle"):
            t = cur.get("textContent")
            if isinstance(t, str):
                parts.append(mask_run(t) if hide else t)
                size += len(t)
        elif cur.get("type") == _ELEMENT:
            if str(cur.get("tagName", "")).lower() in ("script", "style", "noscript"):
                continue
            hide = hide or _secrets.is_masking(_attrs(cur))
        stack.extend((k, hide) for k in reversed(_children(cur)))
    return " ".join(" ".join(parts).split())[:limit]


def snapshot_title(node: dict[str, Any]) -> str:
    """The page ``<title>`` (first one outside SVG), whitespace collapsed; '' when there is none."""
    stack: list[Any] = [node]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, dict):
            continue
        if cur.get("type") == _ELEMENT:
            tag = str(cur.get("tagName", "")).lower()
            if tag == "svg":
                continue
            if tag == "title":
                return node_text(cur, limit=1000)
        stack.extend(reversed(_children(cur)))
    return ""


# ---------------------------------------------------------------- document rebuild


def _doctype(node: dict[str, Any]) -> str:
    def clean(v: Any) -> str:
        return re.sub(r"[\"<>\x00-\x1f]", "", v) if isinstance(v, str) else ""
    name = clean(node.get("name")) or "html"
    pub, sys_ = clean(node.get("publicId")), clean(node.get("systemId"))
    if pub:
        return f'<!DOCTYPE {name} PUBLIC "{pub}"' + (f' "{sys_}">' if sys_ else ">")
    return f'<!DOCTYPE {name} SYSTEM "{sys_}">' if sys_ else f"<!DOCTYPE {name}>"


def _clean_attrs(tag: str, attrs: dict[str, str], mask_text: bool, masked: bool, secret: bool, show_values: bool,
                 viewport: tuple[int, int] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in attrs.items():
        low = name.lower()
        if (not _ATTR_RE.match(name) or low.startswith("on") or low in _DROP_ATTRS or low.startswith("rr_")
                or low == "_csstext"):
            continue
        if low in _URL_ATTRS:
            if tag in ("a", "area") and low in ("href", "xlink:href"):
                out[name] = "#"  # keeps the link's look; nothing to follow
            elif _url_allowed(value, data_ok=tag in _DATA_OK):
                out[name] = value
            elif tag in _BLANKED_MEDIA:
                out["data-rl-blocked"] = ""
            continue
        if _CTRL_RE.sub("", value).lower().startswith(("javascript:", "vbscript:")):
            continue
        if low == "style" or "url(" in value.lower() or "\\" in value:
            value = sanitize_css(value, viewport)
        out[name] = value
    if tag == "img" and "src" not in out and _url_allowed(attrs.get("rr_dataURL", ""), data_ok=True):
        out["src"] = attrs["rr_dataURL"]
        out.pop("data-rl-blocked", None)
    if tag == "canvas" and _url_allowed(attrs.get("rr_dataURL", "")) and attrs["rr_dataURL"].startswith("data:"):
        safe = attrs["rr_dataURL"].replace('"', "%22").replace("\\", "%5C")
        out["style"] = out.get("style", "") + f';background:url("{safe}") 0 0/100% 100% no-repeat'
    fields.mask_value(tag, attrs, out, secret=secret, masked=masked, show_values=show_values, mask_text=mask_text)
    return out


def _open_tag(tag: str, attrs: dict[str, str]) -> str:
    parts = [tag] + [f'{k}="{_html.escape(v, quote=True)}"' if v else k for k, v in attrs.items()]
    return "<" + " ".join(parts) + ">"


def _css_text(cur: dict[str, Any], attrs: dict[str, str], viewport: tuple[int, int] | None) -> str:
    css = attrs.get("_cssText")
    if css is None:
        css = "".join(str(k.get("textContent", "")) for k in _children(cur) if k.get("type") == _TEXT)
    return sanitize_css(css, viewport)


def _raw_text_safe(text: str) -> str:
    """Text for a raw-text element (HTML <style>): it must not be able to close the element early."""
    return _RAW_END_RE.sub(lambda m: "<\\/" + m.group(1), text)


def snapshot_to_html(node: dict[str, Any], *, mask_text: bool = False, viewport: tuple[int, int] | None = None,
                     show_values: bool = False, secret_nodes: SecretNodes | None = None) -> str:
    """Rebuild the document of a FullSnapshot ``data.node`` as sanitised, self-contained HTML (see module doc).
    ``viewport=(w, h)`` pins height-relative CSS units to the recorded viewport (for full-page screenshots)."""
    return _build(node, _Opts(mask_text, show_values, secret_nodes or SecretNodes()), 0, viewport)


@dataclass(frozen=True)
class _Opts:
    mask_text: bool
    show_values: bool
    secrets: SecretNodes


def _build(node: dict[str, Any], opts: _Opts, depth: int, viewport: tuple[int, int] | None) -> str:
    mask_text = opts.mask_text
    head = (f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<style id="replaylens-static">{STATIC_CSS}</style>')
    out: list[str] = []
    # stack items: a node to emit with its context (masked, in_svg, secret), or a literal string (closing tags)
    stack: list[tuple[Any, bool, bool, bool] | str] = [(node, False, False, False)]
    head_done = False
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        cur, masked, in_svg, secret = item
        if not isinstance(cur, dict):
            continue
        kind = cur.get("type")
        if kind == _DOCUMENT:
            stack.extend((k, masked, in_svg, secret) for k in reversed(_children(cur)))
            continue
        if kind == _DOCTYPE:
            if not out:
                out.append(_doctype(cur))
            continue
        if kind not in (_TEXT, _ELEMENT):
            continue  # comments, CDATA, unknown node types
        if not head_done:  # the CSP must precede every element; the parser opens <html><head> around it
            out.append(head)
            head_done = True
        if kind == _TEXT:
            text = cur.get("textContent")
            if isinstance(text, str) and not cur.get("isStyle"):
                out.append(_html.escape(mask_run(text) if (mask_text or masked) else text, quote=False))
            continue
        raw_tag = str(cur.get("tagName", ""))
        tag = raw_tag.lower()
        if tag in _DROP_TAGS or not _TAG_RE.match(raw_tag):
            continue
        attrs = _attrs(cur)
        if tag == "meta" and any(k.lower() == "http-equiv" for k in attrs):
            continue
        if tag == "link":
            if "_cssText" in attrs:  # rrweb inlines a stylesheet link's CSS (it may have dropped rel/href)
                out.append(f"<style>{_raw_text_safe(_css_text(cur, attrs, viewport))}</style>")
            continue
        tag = _RENAME_TAGS.get(tag, tag)
        svg = in_svg or bool(cur.get("isSVG")) or tag == "svg"
        nid = _node_id(cur)
        masked = masked or _secrets.is_masking(attrs) or nid in opts.secrets.masking
        secret = secret or masked or _secrets.is_secret(tag, attrs) or nid in opts.secrets.secret
        if is_blocked(attrs):
            w, h = blocked_size(attrs)
            keep = {k: v for k, v in attrs.items() if k in ("class", "id")}
            keep["style"] = BLOCK_STYLE + (f"width:{w};" if w else "") + (f"height:{h};" if h else "")
            keep["data-rl-block"] = ""
            box = "span" if tag in _VOID or svg else tag
            if box in _INLINE:
                keep["style"] += "display:inline-block;"
            out.append(_open_tag(box, keep) + f"</{box}>")
            continue
        clean = _clean_attrs(tag, attrs, mask_text, masked, secret, opts.show_values, viewport)
        if tag == "style":
            css = _css_text(cur, attrs, viewport)
            body = _html.escape(css, quote=False) if svg else _raw_text_safe(css)
            out.append(_open_tag(raw_tag if svg else tag, clean) + body + f"</{tag}>")
            continue
        if tag == "iframe":
            doc = next((k for k in _children(cur) if k.get("type") == _DOCUMENT), None)
            if doc is not None and depth < MAX_IFRAME_DEPTH:
                inner = _Opts(mask_text or masked, opts.show_values and not secret, opts.secrets)
                clean["srcdoc"] = _build(doc, inner, depth + 1, None)
                clean.pop("data-rl-blocked", None)
            out.append(_open_tag(tag, clean) + "</iframe>")
            continue
        if tag in ("set", "animate") and attrs.get("attributeName", "").lower() in ("href", "xlink:href"):
            continue
        name = raw_tag if svg else tag
        out.append(_open_tag(name, clean))
        if tag in _VOID:
            continue
        kids = [k for k in _children(cur) if k.get("type") != _DOCUMENT]
        if tag == "textarea" and not kids and "value" in attrs:
            value = clean.pop("value", "")
            out[-1] = _open_tag(name, clean) + _html.escape(value, quote=False)
        stack.append(f"</{name}>")
        light = [k for k in kids if not k.get("isShadow")]
        shadow = [k for k in kids if k.get("isShadow")]
        child_svg = svg and tag != "foreignobject"
        if fields.holds_input_text(tag, attrs) and (secret or not opts.show_values):
            masked = True  # the text inside is the user's input (textarea, select options, contenteditable)
        stack.extend((k, masked, child_svg, secret) for k in reversed(light))
        if shadow:  # declarative shadow DOM keeps web components' rendering without running their scripts
            stack.append("</template>")
            stack.extend((k, masked, child_svg, secret) for k in reversed(shadow))
            stack.append('<template shadowrootmode="open">')
    if not head_done:
        out.append(head)
    return "".join(out)


# ---------------------------------------------------------------- wireframe layout (drawn by io.webrender)


@dataclass(frozen=True)
class WireBox:
    """One rectangle of the fallback wireframe, in CSS px. ``kind``: block, text, link, heading, input, button,
    check, media, blocked, rule."""

    x: int
    y: int
    w: int
    h: int
    kind: str
    label: str


_W_SKIP = frozenset({"head", "script", "style", "link", "meta", "title", "template", "noscript", "base", "param",
                     "source", "track", "datalist", "map", "area", "br", "wbr", "object", "embed", "option"})
_W_INLINE = frozenset({"span", "a", "b", "strong", "em", "i", "u", "small", "label", "abbr", "code", "sub", "sup",
                       "mark", "s", "q", "cite", "time", "font", "bdi", "bdo", "kbd", "var", "del", "ins", "data"})
_W_MEDIA = frozenset({"img", "svg", "video", "canvas", "picture", "iframe", "image", "audio"})
_W_SECTION = frozenset({"header", "footer", "nav", "main", "section", "article", "aside", "form", "fieldset", "ul",
                        "ol", "table", "dialog", "figure", "li", "tr"})
_NUM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")
CHAR_W, LINE_H, GAP, INDENT, MAX_DEPTH = 7, 16, 4, 8, 80


def _hidden(tag: str, attrs: dict[str, str]) -> bool:
    style = attrs.get("style", "").replace(" ", "").lower()
    return ("hidden" in attrs or "display:none" in style or "visibility:hidden" in style
            or (tag == "input" and attrs.get("type", "").lower() == "hidden"))


def _num(v: str | None, default: int) -> int:
    m = _NUM_RE.match(v) if v else None
    return int(float(m.group(1))) if m else default


def _control(tag: str, attrs: dict[str, str], node: dict[str, Any], hide: bool, secret: bool,
             show_values: bool) -> tuple[str, str, int, int]:
    """(kind, label, width, height) of a form control in the wireframe; secrets never shown, values masked unless
    ``show_values`` (``io.rrweb.fields``)."""
    kind_attr = attrs.get("type", "text").lower()
    if tag == "input" and kind_attr in ("checkbox", "radio"):
        return "check", "", 16, 16
    if tag == "button" or kind_attr in ("submit", "button", "reset"):
        label = node_text(node, 80, masked=hide) if tag == "button" else attrs.get("value", kind_attr)
        return "button", label, min(len(label) * CHAR_W + 24, 320), 28
    if tag == "select":
        opts = [k for k in _children(node) if str(k.get("tagName", "")).lower() == "option"]
        chosen = next((o for o in opts if "selected" in _attrs(o)), opts[0] if opts else None)
        text = node_text(chosen, 80) if chosen else ""
        return "input", fields.wire_label(text, secret=secret, hide=hide, show_values=show_values) + "  ▾", 220, 28
    value = attrs.get("value", "") if tag == "input" else node_text(node, 200) or attrs.get("value", "")
    value = fields.wire_label(value, secret=secret, hide=hide, show_values=show_values) if value or secret else ""
    label = value or attrs.get("placeholder", "")
    return "input", label, 240, 56 if tag == "textarea" else 28


def wireframe_boxes(node: dict[str, Any], width: int, *, mask_text: bool = False, max_height: int = 16_384,
                    max_boxes: int = 4_000, show_values: bool = False,
                    secret_nodes: SecretNodes | None = None) -> tuple[list[WireBox], int]:
    """A rough flow layout of the node tree: (boxes, content height). Blocks stack, inline text wraps at
    ``CHAR_W`` px per character, controls and media get their own rows. Pure Python, no Qt."""
    boxes: list[WireBox] = []
    known = secret_nodes or SecretNodes()

    def flush(para: list[tuple[str, bool]], x: int, y: int, w: int) -> int:
        text = " ".join(" ".join(t for t, _ in para).split())
        link = all(is_link for _, is_link in para)
        para.clear()
        if not text:
            return y
        per_line = max(w // CHAR_W, 1)
        lines = min(math.ceil(len(text) / per_line), 6)
        boxes.append(WireBox(x, y, min(w, len(text) * CHAR_W + 2), lines * LINE_H, "link" if link else "text",
                             text[:per_line * lines]))
        return y + lines * LINE_H + GAP

    def lay(el: dict[str, Any], x: int, y: int, w: int, depth: int, hide: bool, in_secret: bool) -> int:
        para: list[tuple[str, bool]] = []
        todo: list[tuple[dict[str, Any], bool, bool, bool]] = [(k, False, hide, in_secret)
                                                              for k in reversed(_children(el))]
        while todo and y < max_height and len(boxes) < max_boxes:
            cur, link, masked, secret = todo.pop()
            if cur.get("type") == _TEXT:
                t = cur.get("textContent")
                if isinstance(t, str) and not cur.get("isStyle") and t.strip():
                    para.append((mask_run(t) if masked else t, link))
                continue
            if cur.get("type") != _ELEMENT:
                continue
            tag, attrs = str(cur.get("tagName", "")).lower(), _attrs(cur)
            if tag in _W_SKIP or _hidden(tag, attrs):
                continue
            nid = _node_id(cur)
            masked = masked or _secrets.is_masking(attrs) or nid in known.masking
            secret = secret or masked or _secrets.is_secret(tag, attrs) or nid in known.secret
            if fields.holds_input_text(tag, attrs) and tag not in ("select", "textarea"):
                masked = masked or secret or not show_values  # contenteditable: its text is the user's input
            if tag in _W_INLINE and not is_blocked(attrs):  # inline: its children join the current paragraph
                todo.extend((k, link or tag == "a", masked, secret) for k in reversed(_children(cur)))
                continue
            y = flush(para, x, y, w)
            if is_blocked(attrs):
                bw, bh = blocked_size(attrs)
                boxes.append(WireBox(x, y, min(_num(bw, w), w), _num(bh, 60), "blocked", "blocked"))
            elif tag in _W_MEDIA:
                dw, dh = {"svg": (24, 24), "iframe": (w, 150), "video": (w, w * 9 // 16)}.get(tag, (160, 90))
                mw = min(_num(attrs.get("width"), dw), w)
                label = attrs.get("alt") or tag
                boxes.append(WireBox(x, y, mw, min(_num(attrs.get("height"), dh), 2000), "media", label))
            elif tag in ("input", "button", "select", "textarea"):
                kind, label, cw, ch = _control(tag, attrs, cur, masked, secret, show_values)
                boxes.append(WireBox(x, y, min(cw, w), ch, kind, label))
            elif tag == "hr":
                boxes.append(WireBox(x, y, w, 1, "rule", ""))
            elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
                text = node_text(cur, 300, masked=masked)
                lh = 28 if tag in ("h1", "h2") else 20
                lines = min(math.ceil(len(text) * CHAR_W * lh / LINE_H / max(w, 1)) or 1, 4)
                boxes.append(WireBox(x, y, w, lines * lh, "heading", text))
            else:
                if depth >= MAX_DEPTH:
                    continue
                inset = INDENT if w > 160 and tag in _W_SECTION else 0
                top, first = y, len(boxes)
                y = lay(cur, x + inset, y + (GAP if inset else 0), w - 2 * inset, depth + 1, masked, secret)
                if inset and len(boxes) > first:
                    y += GAP
                    boxes.insert(first, WireBox(x, top, w, y - top, "block", tag))
                continue
            y = boxes[-1].y + boxes[-1].h + GAP
        return flush(para, x, y, w)

    height = lay(node, 8, 8, max(width - 16, 40), 0, mask_text, False) if isinstance(node, dict) else 8
    return boxes, min(height + 8, max_height)

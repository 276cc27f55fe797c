"""Rebuild a *sanitised* HTML document from an rrweb FullSnapshot node tree (pure Python, no Qt).

A recorded snapshot is untrusted: a hostile or merely ordinary page carries scripts, inline event handlers and
remote URLs. Rendering it must neither run code nor contact the network, so the document rebuilt here is inert on
its own (first safety layer; the renderer in ``replaylens.render.page`` adds JavaScript-off, a request interceptor
that blocks everything but ``data:``, a navigation guard and a dead-proxy network kill switch; docs/rendering.md):

* dropped with their content: ``script noscript object embed applet base frame frameset param portal noembed
  noframes``, ``<meta http-equiv>``, every ``<link>`` except those whose stylesheet rrweb inlined (``_cssText``,
  turned into ``<style>`` as rrweb's own rebuild does), comments and CDATA;
* dropped attributes: every ``on*`` handler, ``srcset ping formaction action target download background lowsrc
  dynsrc longdesc manifest integrity nonce autofocus`` and any value starting with ``javascript:``/``vbscript:``;
* URLs: ``src``/``href``/``poster``/``xlink:href``… keep only ``data:`` (on media) or ``#fragment`` (SVG
  references); ``<a href>`` becomes ``href="#"`` (link text and styling kept, target gone); ``<iframe>`` loses
  ``src`` and shows the recorded same-origin document through ``srcdoc`` (sanitised the same way);
* CSS (``<style>`` text, ``_cssText``, ``style`` and any attribute using ``url(`` or ``\\``), parsed with tinycss2
  (``html_css``): ``@import`` and untrusted at-rules removed, every ``url()``/``src()`` that is not ``data:``/``#``
  becomes ``url(data:,)``, strings (and ``var()``/``attr()``) inside ``image-set()`` likewise, ``behavior``/
  ``-moz-binding``/``expression()`` dropped; CSS escapes (``u\\72l(``) are decoded by the parser before deciding;
* with ``element_ids`` each element of the top document carries its rrweb node id as ``data-rl-id`` (a recorded
  attribute of that name is always dropped), read only by the renderer's trusted measuring script
  (``render.page.geometry``);
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

Modules: ``html_attrs`` (element and attribute rules), ``html_css`` (the CSS sanitiser), ``html_nodes`` (reading
snapshot nodes, title, text), ``html_wireframe`` (the fallback wireframe layout); this module rebuilds the document
and keeps the public names importable from here.
"""

from __future__ import annotations

import html as _html
from dataclasses import dataclass
from typing import Any

from replaylens.io.rrweb import fields
from replaylens.io.rrweb import secrets as _secrets
from replaylens.io.rrweb.fields import mask_run as mask_run  # re-exported: the mask is defined once, in fields
from replaylens.io.rrweb.html_attrs import (
    DROP_TAGS,
    ID_ATTR,
    INLINE,
    RENAME_TAGS,
    TAG_RE,
    VOID,
    clean_attrs,
    doctype,
    open_tag,
    raw_text_safe,
)
from replaylens.io.rrweb.html_css import sanitize_css as sanitize_css
from replaylens.io.rrweb.html_nodes import DOCTYPE, DOCUMENT, ELEMENT, TEXT, attributes, children, node_id
from replaylens.io.rrweb.html_nodes import blocked_size as blocked_size
from replaylens.io.rrweb.html_nodes import is_blocked as is_blocked
from replaylens.io.rrweb.html_nodes import node_text as node_text
from replaylens.io.rrweb.html_nodes import snapshot_title as snapshot_title
from replaylens.io.rrweb.html_wireframe import WireBox as WireBox
from replaylens.io.rrweb.html_wireframe import wireframe_boxes as wireframe_boxes
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


def _css_text(cur: dict[str, Any], attrs: dict[str, str], viewport: tuple[int, int] | None) -> str:
    css = attrs.get("_cssText")
    if css is None:
        css = "".join(str(k.get("textContent", "")) for k in children(cur) if k.get("type") == TEXT)
    return sanitize_css(css, viewport)


def snapshot_to_html(node: dict[str, Any], *, mask_text: bool = False, viewport: tuple[int, int] | None = None,
                     show_values: bool = False, secret_nodes: SecretNodes | None = None,
                     element_ids: bool = False) -> str:
    """Rebuild the document of a FullSnapshot ``data.node`` as sanitised, self-contained HTML (see module doc).
    ``viewport=(w, h)`` pins height-relative CSS units to the recorded viewport (for full-page screenshots).
    ``element_ids``: every element of the top document carries ``data-rl-id`` = its rrweb node id."""
    return _build(node, _Opts(mask_text, show_values, secret_nodes or SecretNodes(), element_ids), 0, viewport)


@dataclass(frozen=True)
class _Opts:
    mask_text: bool
    show_values: bool
    secrets: SecretNodes
    ids: bool = False


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
        if kind == DOCUMENT:
            stack.extend((k, masked, in_svg, secret) for k in reversed(children(cur)))
            continue
        if kind == DOCTYPE:
            if not out:
                out.append(doctype(cur))
            continue
        if kind not in (TEXT, ELEMENT):
            continue  # comments, CDATA, unknown node types
        if not head_done:  # the CSP must precede every element; the parser opens <html><head> around it
            out.append(head)
            head_done = True
        if kind == TEXT:
            text = cur.get("textContent")
            if isinstance(text, str) and not cur.get("isStyle"):
                out.append(_html.escape(mask_run(text) if (mask_text or masked) else text, quote=False))
            continue
        raw_tag = str(cur.get("tagName", ""))
        tag = raw_tag.lower()
        if tag in DROP_TAGS or not TAG_RE.match(raw_tag):
            continue
        attrs = attributes(cur)
        if tag == "meta" and any(k.lower() == "http-equiv" for k in attrs):
            continue
        if tag == "link":
            if "_cssText" in attrs:  # rrweb inlines a stylesheet link's CSS (it may have dropped rel/href)
                out.append(f"<style>{raw_text_safe(_css_text(cur, attrs, viewport))}</style>")
            continue
        tag = RENAME_TAGS.get(tag, tag)
        svg = in_svg or bool(cur.get("isSVG")) or tag == "svg"
        nid = node_id(cur)
        masked = masked or _secrets.is_masking(attrs) or nid in opts.secrets.masking
        secret = secret or masked or _secrets.is_secret(tag, attrs) or nid in opts.secrets.secret
        if is_blocked(attrs):
            w, h = blocked_size(attrs)
            keep = {k: v for k, v in attrs.items() if k in ("class", "id")}
            keep["style"] = BLOCK_STYLE + (f"width:{w};" if w else "") + (f"height:{h};" if h else "")
            keep["data-rl-block"] = ""
            if opts.ids and nid >= 0:
                keep[ID_ATTR] = str(nid)
            box = "span" if tag in VOID or svg else tag
            if box in INLINE:
                keep["style"] += "display:inline-block;"
            out.append(open_tag(box, keep) + f"</{box}>")
            continue
        clean = clean_attrs(tag, attrs, mask_text, masked, secret, opts.show_values, viewport)
        if opts.ids and nid >= 0:  # the top document only (iframe contents are not measured)
            clean[ID_ATTR] = str(nid)
        if tag == "style":
            css = _css_text(cur, attrs, viewport)
            body = _html.escape(css, quote=False) if svg else raw_text_safe(css)
            out.append(open_tag(raw_tag if svg else tag, clean) + body + f"</{tag}>")
            continue
        if tag == "iframe":
            doc = next((k for k in children(cur) if k.get("type") == DOCUMENT), None)
            if doc is not None and depth < MAX_IFRAME_DEPTH:
                inner = _Opts(mask_text or masked, opts.show_values and not secret, opts.secrets, False)
                clean["srcdoc"] = _build(doc, inner, depth + 1, None)
                clean.pop("data-rl-blocked", None)
            out.append(open_tag(tag, clean) + "</iframe>")
            continue
        if tag in ("set", "animate") and attrs.get("attributeName", "").lower() in ("href", "xlink:href"):
            continue
        name = raw_tag if svg else tag
        out.append(open_tag(name, clean))
        if tag in VOID:
            continue
        kids = [k for k in children(cur) if k.get("type") != DOCUMENT]
        if tag == "textarea" and not kids and "value" in attrs:
            value = clean.pop("value", "")
            out[-1] = open_tag(name, clean) + _html.escape(value, quote=False)
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

"""Element and attribute rules of the snapshot rebuild (``io.rrweb.html``): which tags and attributes are dropped,
which URLs may stay, how a tag is written; input values are masked through ``io.rrweb.fields``."""

from __future__ import annotations

import html as _html
import re
from typing import Any

from replaylens.io.rrweb import fields
from replaylens.io.rrweb.html_css import CTRL_RE, sanitize_declarations, url_allowed

DROP_TAGS = frozenset({"script", "noscript", "object", "embed", "applet", "base", "frame", "frameset", "param",
                       "portal", "fencedframe", "noembed", "noframes", "handler", "listener"})
RENAME_TAGS = {"xmp": "pre", "plaintext": "pre", "listing": "pre"}
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr", "keygen"})
_DROP_ATTRS = frozenset({"srcset", "imagesrcset", "ping", "formaction", "action", "target", "download",
                         "background", "lowsrc", "dynsrc", "longdesc", "manifest", "integrity", "nonce", "autofocus",
                         "codebase", "classid", "archive", "profile", "http-equiv", "xml:base", "referrerpolicy"})
_URL_ATTRS = frozenset({"src", "href", "xlink:href", "poster", "cite", "icon", "usemap", "data", "formtarget"})
#: elements whose src/href/poster may keep a data: URL (images and media only; never documents or scripts)
_DATA_OK = frozenset({"img", "image", "source", "video", "audio", "track", "input", "feimage", "picture"})
INLINE = frozenset({"span", "a", "img", "svg", "video", "canvas", "input", "button", "label", "i", "b", "em",
                    "strong", "iframe", "picture", "select", "textarea", "small", "abbr", "code"})
_BLANKED_MEDIA = frozenset({"img", "image", "video", "iframe", "picture"})
TAG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._:-]*$")
_ATTR_RE = re.compile(r"^[A-Za-z_:@][-A-Za-z0-9_:.@]*$")
_RAW_END_RE = re.compile(r"</(style|title|textarea)", re.IGNORECASE)
#: The rebuild's own attribute carrying each element's rrweb node id (element geometry is measured by it,
#: render/page/geometry.py); a recorded attribute of that name is dropped so a page cannot claim another node's id.
ID_ATTR = "data-rl-id"


def doctype(node: dict[str, Any]) -> str:
    def clean(v: Any) -> str:
        return re.sub(r"[\"<>\x00-\x1f]", "", v) if isinstance(v, str) else ""
    name = clean(node.get("name")) or "html"
    pub, sys_ = clean(node.get("publicId")), clean(node.get("systemId"))
    if pub:
        return f'<!DOCTYPE {name} PUBLIC "{pub}"' + (f' "{sys_}">' if sys_ else ">")
    return f'<!DOCTYPE {name} SYSTEM "{sys_}">' if sys_ else f"<!DOCTYPE {name}>"


def clean_attrs(tag: str, attrs: dict[str, str], mask_text: bool, masked: bool, secret: bool, show_values: bool,
                viewport: tuple[int, int] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in attrs.items():
        low = name.lower()
        if (not _ATTR_RE.match(name) or low.startswith("on") or low in _DROP_ATTRS or low.startswith("rr_")
                or low == "_csstext" or low == ID_ATTR):
            continue
        if low in _URL_ATTRS:
            if tag in ("a", "area") and low in ("href", "xlink:href"):
                out[name] = "#"  # keeps the link's look; nothing to follow
            elif url_allowed(value, data_ok=tag in _DATA_OK):
                out[name] = value
            elif tag in _BLANKED_MEDIA:
                out["data-rl-blocked"] = ""
            continue
        if CTRL_RE.sub("", value).lower().startswith(("javascript:", "vbscript:")):
            continue
        if low == "style" or "url(" in value.lower() or "\\" in value:
            value = sanitize_declarations(value, viewport)
        out[name] = value
    if tag == "img" and "src" not in out and url_allowed(attrs.get("rr_dataURL", ""), data_ok=True):
        out["src"] = attrs["rr_dataURL"]
        out.pop("data-rl-blocked", None)
    if tag == "canvas" and url_allowed(attrs.get("rr_dataURL", "")) and attrs["rr_dataURL"].startswith("data:"):
        safe = attrs["rr_dataURL"].replace('"', "%22").replace("\\", "%5C")
        out["style"] = out.get("style", "") + f';background:url("{safe}") 0 0/100% 100% no-repeat'
    fields.mask_value(tag, attrs, out, secret=secret, masked=masked, show_values=show_values, mask_text=mask_text)
    return out


def open_tag(tag: str, attrs: dict[str, str]) -> str:
    parts = [tag] + [f'{k}="{_html.escape(v, quote=True)}"' if v else k for k, v in attrs.items()]
    return "<" + " ".join(parts) + ">"


def raw_text_safe(text: str) -> str:
    """Text for a raw-text element (HTML <style>): it must not be able to close the element early."""
    return _RAW_END_RE.sub(lambda m: "<\\/" + m.group(1), text)

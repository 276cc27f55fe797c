"""The flags a node of an rrweb snapshot has on its own attributes (``own_flags``), which ``nodes.NodeTable``
inherits down the tree on first use: interactive (a, button, input, select, textarea, label, summary, option,
[role=button|link|...], [onclick], [tabindex] >= 0, [contenteditable], inline ``cursor: pointer``, a class name
with a control word), fixed (inline ``position: fixed|sticky``), masked (``secrets.is_masking``: rr-mask /
rr-block and the other recorders' privacy classes, ``data-rr-is-password``), secret (``secrets.is_secret``, the one
rule shared with the page renderer), editable and hidden. What a class list gives is remembered per class string
(pages repeat their class names).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from replaylens.io.rrweb import secrets
from replaylens.io.rrweb.a11y import _F_MASKED as _A11Y_MASKED
from replaylens.io.rrweb.a11y import control_class_role, is_editor_class

INTERACTIVE_TAGS = frozenset({"a", "button", "input", "select", "textarea", "label", "summary", "option"})
INTERACTIVE_ROLES = frozenset({"button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
                               "menuitemradio", "option", "combobox", "textbox", "searchbox", "slider", "spinbutton",
                               "treeitem"})
_FIXED_RE = re.compile(r"position\s*:\s*(fixed|sticky)", re.I)
_POINTER_RE = re.compile(r"cursor\s*:\s*pointer", re.I)
_F_INTERACTIVE, _F_FIXED, _F_MASKED, _F_SECRET, _F_EDITABLE, _F_HIDDEN = 1, 2, 4, 8, 16, 32
assert _F_MASKED == _A11Y_MASKED
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Classes that hide an element (Bootstrap, Tailwind, screen-reader-only); Lumino/JupyterLab's ``*-mod-hidden`` too.
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "sr-only", "visually-hidden", "is-hidden", "invisible", "hide"})
_TEXT_INPUT_TYPES = frozenset({"", "text", "email", "tel", "url", "password", "number", "search", "date",
                               "datetime-local", "month", "time", "week"})


def focusable(attrs: dict[str, Any]) -> bool:
    """[tabindex] >= 0: keyboard-focusable. ``tabindex="-1"`` (programmatic focus only, e.g. ``<main>`` for skip
    links) does not count, or a whole page would read as interactive through its ancestors."""
    try:
        return "tabindex" in attrs and int(str(attrs["tabindex"]).strip()) >= 0
    except ValueError:
        return False


@lru_cache(maxsize=16384)  # pure in the class string; a page repeats its class names
def class_flags(classes: str) -> tuple[int, int]:
    """(the interactive / editable / hidden bits a class list gives, 2: a recorder mask class, 1: an ignore
    class, 0: neither)."""
    bits = 0
    if control_class_role(classes):
        bits |= _F_INTERACTIVE
    if is_editor_class(classes):
        bits |= _F_EDITABLE
    parts = classes.split()
    if any(c.lower() in _HIDDEN_CLASSES or c.lower().endswith("-mod-hidden") for c in parts):
        bits |= _F_HIDDEN
    mask = 2 if not secrets.MASK_CLASSES.isdisjoint(parts) else 1 if not secrets.IGNORE_CLASSES.isdisjoint(parts) \
        else 0
    return bits, mask


def own_flags(tag: str, attrs: dict[str, Any]) -> int:
    get = attrs.get
    style = get("style")
    style = style if isinstance(style, str) else ""
    raw_class = get("class")
    flags = class_flags(str(raw_class or ""))[0]  # control-role class, editor class, hiding class
    mask = class_flags(raw_class)[1] if isinstance(raw_class, str) else 0  # the secret rule reads text only
    role = str(get("role", "")).lower()
    itype = str(get("type", "")).lower()
    editable = str(get("contenteditable", "false")).lower() not in ("false", "")
    if (tag in INTERACTIVE_TAGS and not (tag == "input" and itype == "hidden")) or role in INTERACTIVE_ROLES \
            or "onclick" in attrs or focusable(attrs) or editable or (style and _POINTER_RE.search(style)):
        flags |= _F_INTERACTIVE
    if style and _FIXED_RE.search(style):
        flags |= _F_FIXED
    if mask == 2 or secrets.PASSWORD_ATTR in attrs:  # secrets.is_masking
        flags |= _F_MASKED | _F_SECRET
    elif mask == 1 or (secrets.is_field(tag, attrs) and secrets.is_secret(tag, attrs)):
        flags |= _F_SECRET
    if tag == "textarea" or (tag == "input" and itype in _TEXT_INPUT_TYPES) or role in ("textbox", "searchbox") \
            or editable:
        flags |= _F_EDITABLE
    if (tag == "input" and itype == "hidden") or "hidden" in attrs or str(get("aria-hidden", "")).lower() == "true" \
            or (style and _HIDDEN_STYLE_RE.search(style)):
        flags |= _F_HIDDEN
    return flags

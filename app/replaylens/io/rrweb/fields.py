"""What the page renderer shows of form fields: recorded input values are masked by default, secrets always.

Used by the sanitiser (``io.rrweb.html``) and its wireframe layout; the secret rule itself is ``io.rrweb.secrets``.
Pure Python, no Qt.

* **Secret fields** (``secrets.is_secret`` on the snapshot attributes, a node id the importer found secret at any
  time, or any field inside a secret/masking element) render as a *masked box*: the ``value`` attribute is dropped,
  text inside (textarea, select options, contenteditable) is replaced by ``*`` runs, and the element is marked
  ``data-rl-secret``, which ``SECRET_CSS`` paints as an opaque hatched grey box with transparent text. Nothing of the
  value, not even its length, reaches the document. The wireframe shows ``SECRET_LABEL``.
* **Every other recorded value** is masked by default (banking: like Clarity's strict mode and Matomo): an
  ``<input>``'s ``value`` becomes bullets of the same length, the text of a textarea, of a select's options (so
  the chosen one) and of a ``contenteditable`` element becomes ``*`` runs. Buttons (``submit``/``button``/
  ``reset`` values) are labels, not input, and stay. ``show_values=True`` (the viewer's preference "Show recorded
  input values that are not secret") shows the values the recording itself captured unmasked; secrets and text
  inside rrweb mask classes stay masked regardless, and so do card fields (``is_card_field``: named or labelled as
  card number, CVV, expiry, name on card), which render as every masked value does.
"""

from __future__ import annotations

import re

from replaylens.io.rrweb import secrets

SECRET_STYLE = ("background:#c9cdd2 repeating-linear-gradient(45deg,#c9cdd2 0 6px,#b7bcc2 6px 12px)!important;"
                "color:transparent!important;-webkit-text-fill-color:transparent!important;text-shadow:none!important;"
                "caret-color:transparent!important;resize:none!important;overflow:hidden!important")
#: Added to the sanitised document's static style sheet.
SECRET_CSS = (f"[data-rl-secret]{{{SECRET_STYLE}}}"
              "[data-rl-secret]::placeholder{color:transparent!important}"
              "[data-rl-secret] *{visibility:hidden!important}")
SECRET_LABEL = "\u2022" * 8  # the wireframe's label of a secret field: a fixed mask, not the value's length
BUTTON_TYPES = frozenset({"submit", "button", "reset", "image"})
#: Elements whose text content is the user's input (masked like a value).
TEXT_FIELDS = frozenset({"textarea", "select"})
_NON_WS_RE = re.compile(r"\S")


def mask_run(text: str) -> str:
    """rrweb's default text mask: every non-space character becomes ``*`` (length and line breaks kept)."""
    return _NON_WS_RE.sub("*", text)


def bullets(value: str) -> str:
    return "\u2022" * len(value)


def holds_input_text(tag: str, attrs: dict[str, str]) -> bool:
    """Is the text inside this element what the user typed or chose (textarea, select, contenteditable)?"""
    return tag in TEXT_FIELDS or (tag not in ("input", "option") and secrets.is_field(tag, attrs))


def is_card_field(tag: str, attrs: dict[str, str]) -> bool:
    """A card number / CVV / expiry / name-on-card field by the privacy rule (``io.privacy.fields``): its value is
    never shown, even with ``show_values`` (it still looks as every masked value: bullets of its length)."""
    from replaylens.io.privacy.fields import CARD_KINDS, classify_field  # (io.privacy imports io.rrweb)

    return classify_field(tag, attrs) in CARD_KINDS


def mask_value(tag: str, attrs: dict[str, str], clean: dict[str, str], *, secret: bool, masked: bool,
               show_values: bool, mask_text: bool) -> None:
    """Apply the rules above to the sanitised attributes ``clean`` of an element (in place); ``attrs`` are the
    recorded ones, ``secret`` the element's secret status (own, by node id or inherited)."""
    kind = attrs.get("type", "").strip().lower()
    if show_values and is_card_field(tag, attrs):
        show_values = False
    if secret and (secrets.is_field(tag, attrs) or tag == "option"):
        clean.pop("value", None)
        if tag != "option":
            clean["data-rl-secret"] = ""
        return
    if "value" not in clean or tag not in ("input", "option", "textarea", "select") or kind in BUTTON_TYPES:
        return
    if mask_text or masked:
        clean["value"] = mask_run(clean["value"])
    elif not show_values and not (tag == "input" and kind in ("checkbox", "radio")):
        clean["value"] = bullets(clean["value"])


def wire_label(value: str, *, secret: bool, hide: bool, show_values: bool) -> str:
    """The wireframe's text for a field's ``value`` (same rules; secrets get ``SECRET_LABEL``)."""
    if secret:
        return SECRET_LABEL
    if hide:
        return mask_run(value)
    return value if show_values else bullets(value)

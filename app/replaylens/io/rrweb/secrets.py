"""The one rule for *secret* fields of an rrweb recording, shared by the importer and the page renderer.

Pure Python (no numpy, no Qt): ``io.rrweb.nodes`` uses it to decide which input values are never stored, and
``io.rrweb.replay_events`` (for ``render.page``) to decide which fields render as a masked box. Both apply it to the
attributes a node has at *any* time of its snapshot segment (snapshot attributes merged with later attribute
mutations), so a field that becomes a password later is a secret for the whole recording.

An element is a **secret field** when it is a form field (``input``, ``textarea``, ``select`` or a
``contenteditable`` element) and

* its ``type`` is ``password`` (any case; ``hidden`` too: hidden inputs carry tokens, never typed text), or
* its ``autocomplete`` has a token ``current-password``, ``new-password``, ``one-time-code`` or any payment card
  token ``cc-*`` (tokens are the lowercased whitespace-split words, so ``"section-login current-password"`` and
  ``"current-password webauthn"`` count), or
* its ``name`` or ``id`` says password / passcode / pin / otp / cvv / cvc (see ``name_is_secret``).

Any element (field or not) is **masking** when it carries ``data-rr-is-password`` or a recorder privacy class
(rrweb's ``rr-mask``, ``rr-block``, PostHog's ``ph-mask``, ``ph-no-capture``, Highlight's ``highlight-mask``,
``highlight-block``): its text and every field inside it are hidden. The recorders' *ignore* classes (``rr-ignore``,
``ph-ignore-input``: "do not record this input") make the element and every field inside it secret, but keep
labels and other text. Callers inherit both flags down the tree.

Name/id pattern: the value is split into words at every non-letter and at camelCase boundaries (``newPassword`` →
new, password; ``login_pin2`` → login, pin). A word is secret when it *contains* one of the long, unambiguous stems
(password, passwd, passcode, passphrase, passwort, contrasena, motdepasse) or *equals* one of the short ones
(pass, pwd, pw, pin, otp, totp, hotp, cvv, cvc, csc, cvn), alone or followed by code/number/no (``pincode``,
``otpcode``; digits are dropped, so ``cvv2`` is cvv). So ``spinner``, ``option``, ``pinned``, ``opinion``,
``compass`` and ``passenger`` are not secrets; a postal "PIN code" field is (on purpose: when in doubt, hide).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECRET_TYPES = frozenset({"password", "hidden"})
SECRET_AUTOCOMPLETE = frozenset({"current-password", "new-password", "one-time-code"})
MASK_CLASSES = frozenset({"rr-mask", "rr-block", "ph-mask", "ph-no-capture", "highlight-mask", "highlight-block"})
IGNORE_CLASSES = frozenset({"rr-ignore", "ph-ignore-input"})
PASSWORD_ATTR = "data-rr-is-password"
FIELD_TAGS = frozenset({"input", "textarea", "select"})
#: Attributes the rule reads: an attribute mutation touching none of them cannot change a node's status.
RULE_ATTRS = frozenset({"type", "autocomplete", "name", "id", "class", PASSWORD_ATTR, "contenteditable"})

_LONG_STEMS = ("password", "passwd", "passcode", "passphrase", "passwort", "contrasena", "motdepasse")
_SHORT_WORDS = frozenset({"pass", "pwd", "pw", "pin", "otp", "totp", "hotp", "cvv", "cvc", "csc", "cvn"})
_SUFFIXES = ("", "code", "number", "no")
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _text(attrs: Mapping[str, Any], key: str) -> str:
    v = attrs.get(key)
    return v if isinstance(v, str) else ""


def words(value: str) -> list[str]:
    """Lowercased words of a name/id: split at non-letters and camelCase boundaries; digits dropped."""
    return [w.lower() for w in _WORD_RE.findall(value[:200]) if not w.isdigit()]


def name_is_secret(value: str) -> bool:
    """Does a ``name``/``id`` value say password / passcode / pin / otp / cvv / cvc (module doc)?"""
    for w in words(value):
        if any(stem in w for stem in _LONG_STEMS):
            return True
        if any(w == short + suffix for short in _SHORT_WORDS for suffix in _SUFFIXES):
            return True
    return False


def autocomplete_is_secret(value: str) -> bool:
    return any(tok in SECRET_AUTOCOMPLETE or tok.startswith("cc-") for tok in value.lower().split())


def is_field(tag: str, attrs: Mapping[str, Any]) -> bool:
    editable = attrs.get("contenteditable")
    return tag in FIELD_TAGS or (editable is not None and str(editable).strip().lower() not in ("false",))


def is_masking(attrs: Mapping[str, Any]) -> bool:
    """``data-rr-is-password`` or a recorder mask/block class: the element's text and every field inside it are
    hidden (a masking element is also secret)."""
    return PASSWORD_ATTR in attrs or not MASK_CLASSES.isdisjoint(_text(attrs, "class").split())


def is_secret(tag: str, attrs: Mapping[str, Any]) -> bool:
    """Secret on its own attributes (``tag`` lowercased): a masking element, or a secret form field. Callers
    inherit the flag down the tree (a field inside a masking element is secret)."""
    if is_masking(attrs) or not IGNORE_CLASSES.isdisjoint(_text(attrs, "class").split()):
        return True
    if not is_field(tag, attrs):
        return False
    return (_text(attrs, "type").strip().lower() in SECRET_TYPES
            or autocomplete_is_secret(_text(attrs, "autocomplete"))
            or name_is_secret(_text(attrs, "name")) or name_is_secret(_text(attrs, "id")))



@dataclass(frozen=True)
class SecretNodes:
    """Node ids of one snapshot segment that are secret / masking at *some* time (snapshot or later attribute
    mutation), as computed by the importer; the renderer applies them on top of the rule on snapshot attributes."""

    secret: frozenset[int] = frozenset()
    masking: frozenset[int] = frozenset()

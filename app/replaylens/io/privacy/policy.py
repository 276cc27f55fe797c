"""What of a typed value is stored (pure Python): the policy every writer applies at the storage boundary.

* a value typed into a **card number** field (or any value that *is* a card number) is stored as ``•••• 1111``:
  its last four digits in a fixed mask, once it is a whole card number (15+ digits, a scheme's, Luhn-valid);
  before that, while it is being typed, as ``••••`` (the last four of each keystroke prefix would spell the number);
* **CVV, expiry, name on card** and **secret** (password) values are never stored: ``None`` (callers keep the
  length in their own column);
* **every other typed value** is stored, by default, as its *shape* only: letters ``A``/``a`` by case (letters
  without case: ``a``), digits ``9``, spaces and ASCII punctuation kept, anything else ``.``; so ``Anna K.`` is
  ``Aaaa A.`` and ``081-234`` is ``999-999``. The length is kept, the value is not;
* with ``keep_values=True`` (a library's opt-in policy) the value is kept, with e-mail addresses, phones, IBANs,
  Thai ids and card numbers in it masked (``detect.mask_text``) and runs of 8 or more digits reduced to their shape
  (``LONG_DIGITS``: the keystroke prefixes of a card number typed into an ordinary field are no card numbers yet),
  and so are addresses being typed (``EMAIL_PREFIX``: ``anna.k@ban``).

``reduce_value`` is idempotent: a shape reduces to itself and a card mask to itself, so applying the policy to a
table already reduced (``audit --fix``, ``library add`` of a converted bundle) changes nothing.
"""

from __future__ import annotations

import re

from replaylens.io.privacy.detect import BULLETS, card_mask, card_ok, detect, mask_text

NEVER_STORED = frozenset({"card_cvv", "card_expiry", "card_name", "secret"})
MAX_VALUE_CHARS = 1000
#: Runs of 8+ digits (single spaces/dashes between): kept only as their shape even with ``keep_values``, since a
#: card number typed key by key passes through every prefix, and 12 digits of one plus its last four are all of it.
LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){7,}")
#: An address being typed (``anna.k@ban``): not an e-mail yet, but its prefix would spell one out.
EMAIL_PREFIX = re.compile(r"[\w.%+-]+@[\w.-]*")
_PUNCT = frozenset(" \t\n-_.,:;/()+#'\"!?&*@=[]%")


def shape(value: str) -> str:
    """The character-class shape of a value (module doc)."""
    out = []
    for ch in value[:MAX_VALUE_CHARS]:
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("A" if ch.isupper() else "a")
        elif ch in _PUNCT:
            out.append(ch)
        else:
            out.append(".")
    return "".join(out)


def is_card_mask(value: str) -> bool:
    return (value.startswith(BULLETS) and len(value) <= 9 and value[len(BULLETS):].strip().isdigit()) \
        or value == BULLETS


def reduce_value(value: str | None, field_kind: str | None = None, *, keep_values: bool = False) -> str | None:
    """The stored form of a typed value (module doc); ``field_kind`` from ``fields.classify_field``."""
    if not isinstance(value, str):
        return None
    if field_kind in NEVER_STORED:
        return None
    if is_card_mask(value):
        return value
    if field_kind == "card_number":  # digits only for a whole card number: the last four of every keystroke
        digits = "".join(c for c in value if c.isdigit())  # prefix would spell out the number one by one
        return card_mask(value) if len(digits) >= 15 and card_ok(digits) else BULLETS
    value = value[:MAX_VALUE_CHARS]
    found = detect(value)
    if any(m.kind == "card_number" and m.end - m.start >= len(value.strip()) - 1 for m in found):
        return card_mask(value)
    if not keep_values:
        return shape(value)
    kept = mask_text(value) if found else value
    kept = EMAIL_PREFIX.sub(lambda m: shape(m.group(0)), kept)
    return LONG_DIGITS.sub(lambda m: shape(m.group(0)), kept)

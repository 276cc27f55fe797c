"""Mask personal data in free-text answers on import (docs/surveys.md lists the patterns), with the one detector.

Masked by default: e-mail addresses, phone numbers, IBANs (ISO 13616 mod-97 checked), card numbers (Luhn checked,
a scheme's prefix and length) and Thai national ids (check digit): the rules are ``core.pii``'s, the detector
every writer uses (docs/privacy.md). Dates, times, order numbers and amounts are left alone. Each match is
replaced by a placeholder saying what it was (``[email]``, ``[phone]``, ``[iban]``, ``[card]``, ``[thai_id]``), so
tallies still count the rest of the sentence. ``mask_cards`` (used when an import keeps personal data) still
replaces card numbers: they are never stored.
"""

from __future__ import annotations

from replaylens.core.pii import detect, iban_ok, luhn_ok, mask_url
from replaylens.core.pii import mask_text as _mask

PLACEHOLDERS = {"card_number": "[card]"}


def mask_text(text: str) -> str:
    """``text`` with e-mail addresses, IBANs, card numbers, Thai ids and phone numbers replaced by placeholders."""
    return _mask(text, PLACEHOLDERS)


def mask_cards(text: str) -> str:
    """``text`` with card numbers (only) replaced by ``[card]``."""
    hits = [m for m in detect(text) if m.kind == "card_number"]
    for m in reversed(hits):
        text = text[:m.start] + "[card]" + text[m.end:]
    return text


__all__ = ["iban_ok", "luhn_ok", "mask_cards", "mask_text", "mask_url"]

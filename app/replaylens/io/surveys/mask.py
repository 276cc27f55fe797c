"""Mask personal data in free-text answers on import (docs/surveys.md lists the patterns).

Masked by default: e-mail addresses, phone numbers (an international ``+`` prefix and 8-15 digits, or 10-15 digits
in phone-like groups), IBANs (country code, two check digits, 11-30 alphanumerics, ISO 13616 mod-97 checked) and
card-like numbers (13-19 digits, ungrouped or grouped as cards print them, Luhn checked). Dates, times, order numbers
(letters or a ``#`` before the digits, or fewer than 10 digits) and amounts are left alone. Each match is replaced
by a placeholder saying what it was (``[email]``, ``[phone]``, ``[iban]``, ``[card]``), so tallies still count
the rest of the sentence.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD = re.compile(r"(?<![\w#/.-])\d(?:[ -]?\d){12,18}(?![\w/.-]|-\d)")
PHONE = re.compile(r"(?<![\w#/.-])(?:\+\d[\d ()-]{7,18}\d|\(?\d{2,4}\)?[ -]?\d{2,4}[ -]?\d{3,4}(?:[ -]?\d{1,4})?)"
                   r"(?![\w/.-]|-\d)")
DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    s = text.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in moved))
    except ValueError:
        return False
    return number % 97 == 1


def _card_shape(text: str) -> bool:
    """Ungrouped, or grouped as cards print: 4-4-4-4, 4-4-4-4-3 or 4-6-4 / 4-6-5."""
    groups = [len(g) for g in re.split(r"[ -]", text)]
    return len(groups) == 1 or groups in ([4, 4, 4, 4], [4, 4, 4, 4, 3], [4, 6, 4], [4, 6, 5])


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    ok = 13 <= len(digits) <= 19 and luhn_ok(digits) and _card_shape(m.group(0))
    return "[card]" if ok else m.group(0)


def _phone(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    if DATE_LIKE.match(text.strip()):
        return text
    if text.startswith("+"):
        return "[phone]" if 8 <= len(digits) <= 15 else text
    grouped = bool(re.search(r"[ ()-]", text))
    return "[phone]" if 10 <= len(digits) <= 15 and (grouped or digits.startswith("0")) else text


def mask_text(text: str) -> str:
    """``text`` with e-mail addresses, IBANs, card numbers and phone numbers replaced by placeholders."""
    if not text or not any(c.isdigit() or c == "@" for c in text):
        return text
    out = EMAIL.sub("[email]", text)
    out = IBAN.sub(lambda m: "[iban]" if iban_ok(m.group(0)) else m.group(0), out)
    out = CARD.sub(_card, out)
    return PHONE.sub(_phone, out)

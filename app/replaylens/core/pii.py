"""The one detector of personal and card data in free text (standard library only: ``io.privacy`` re-exports it).

``detect(text)`` returns the matches, ``mask_text(text)`` replaces them. Kinds (``KINDS``):

* ``card_number``: 13-19 digits, ungrouped or with single spaces/dashes between digits, Luhn-valid, with the
  issuer prefix and a length of a scheme issued to people (Visa 4: 13/16/19; Mastercard 51-55, 2221-2720: 16;
  Amex 34/37: 15; Diners, JCB 14-19; Discover, UnionPay, Maestro, Mir 13-19). Millisecond timestamps (they start
  with 1) are therefore never cards.
* ``iban``: two capital letters, two check digits, 11-30 letters/digits (single spaces allowed between groups of
  four), ISO 13616 mod-97 == 1.
* ``email``: ``local@domain.tld`` (a top-level domain of 2-24 letters is required, so ``user@localhost`` is not;
  file types are not top-level domains, so ``logo@2x.png`` is not either).
* ``phone``: E.164 and international forms (``+`` then 8-15 digits, spaces, dashes, brackets allowed), national
  forms starting with ``0`` (9-12 digits: Thai ``081-234-5678``, ``02 123 4567``; German ``030 12345678``,
  ``(030) 1234-5678``, ``0151 23456789``) and other grouped runs of 10-15 digits. Dates are not phones.
* ``thai_id``: 13 digits (grouped ``1-2345-67890-12-3`` or ungrouped), first digit 1-8, with the check digit
  ``(11 - sum(d[i] * (13 - i) for i < 12) % 11) % 10``. An *ungrouped* 13-digit number between 1.5e12 and 2.0e12
  is read as a millisecond timestamp (July 2017 - May 2033) and left alone: the one documented blind spot.

Near misses pass unchanged: order numbers (a ``#`` or letters glued before the digits, or too few digits), dates,
times, amounts, version strings and numbers whose check digits fail.

Masks (``mask_text``): a card number becomes ``•••• 1111`` (its last four digits in a fixed mask), the others a
placeholder naming the kind (``[email]``, ``[phone]``, ``[iban]``, ``[thai_id]``). ``placeholders`` lets a caller
choose others (survey text keeps ``[card]``). ``mask_url`` does the same on a URL's decoded form. ``pseudonym``
turns a user id that is an e-mail or phone into a stable hash (joins keep working, the address is not stored).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

KINDS = ("card_number", "iban", "email", "phone", "thai_id")
BULLETS = "\u2022\u2022\u2022\u2022"
#: Longest text scanned: the rest of a longer text is cut off by ``mask_text`` (never stored unscanned).
MAX_SCAN = 1_000_000

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD = re.compile(r"(?<![\w#])\d(?:[ -]?\d){12,18}(?!\w|[-.]\d)")
THAI = re.compile(r"(?<![\w#])[1-8](?:[ -]?\d){12}(?!\w|[-.]\d)")
PHONE = re.compile(r"(?<![\w#/.-])(?:\+\d[\d ()-]{7,18}\d|\(?\d{2,4}\)?[ -]?\d{2,4}[ -]?\d{3,4}(?:[ -]?\d{1,4})?)"
                   r"(?![\w/.-]|-\d)")
#: "Top-level domains" that are file types: ``logo@2x.png`` is an image name, not an address.
FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "css", "js", "mjs",
                           "map", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "json", "html", "htm",
                           "pdf", "txt", "xml", "zip"})
#: National numbers with a trunk 0 in groups of two to four (German ``(089) 12 34 56``, ``089/123456``).
PHONE_NATIONAL = re.compile(r"(?<![\w#/.-])\(?0\d{1,4}\)?(?:[ /-]?\d{2,4}){2,4}(?![\w/.-]|-\d)")
DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_NOT_DIGIT = re.compile(r"\D")
#: Cheap pre-check: text without an ``@`` and without 7 digits in a row (separators allowed) holds nothing.
MAYBE = re.compile(r"@|\d(?:[ ()./-]{0,2}\d){6}")
DEFAULT_MASKS: Mapping[str, str] = {"iban": "[iban]", "email": "[email]", "phone": "[phone]", "thai_id": "[thai_id]"}


@dataclass(frozen=True)
class Match:
    """One finding: ``kind`` (``KINDS``), its span in the text, and ``last4`` (the last four digits of a card
    number, '' for the other kinds). ``text`` is the matched text: callers must never print or store it."""

    kind: str
    start: int
    end: int
    text: str
    last4: str = ""

    def __repr__(self) -> str:  # never the value itself
        return f"Match({self.kind!r}, {self.start}, {self.end}, last4={self.last4!r})"


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
    if not 15 <= len(s) <= 34 or not s.isalnum() or not s.isascii():
        return False
    moved = s[4:] + s[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in moved))
    except ValueError:
        return False
    return number % 97 == 1


def thai_id_ok(digits: str) -> bool:
    if len(digits) != 13 or not digits.isdigit() or digits[0] in "09":
        return False
    total = sum(int(digits[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10 == int(digits[12])


def _scheme_ok(d: str) -> bool:
    """Issuer prefix and length of a scheme that issues cards to people (Visa, Mastercard, Amex, Diners, JCB,
    Discover, UnionPay, Maestro, Mir)."""
    n = len(d)
    p2, p4 = int(d[:2]), int(d[:4])
    if d[0] == "4":
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if p2 in (34, 37):
        return n == 15
    if 3528 <= p4 <= 3589 or p2 in (36, 38, 39) or 300 <= int(d[:3]) <= 305:
        return 14 <= n <= 19
    if d[0] == "6" or p2 in (50, 56, 57, 58) or 2200 <= p4 <= 2204:
        return 13 <= n <= 19
    return False


def card_ok(digits: str) -> bool:
    """A plausible card number: 13-19 digits, a scheme's issuer prefix and length (``_scheme_ok``), Luhn-valid.
    Millisecond timestamps (they start with 1) and most other long numbers are therefore not cards."""
    if not 13 <= len(digits) <= 19 or not digits.isdigit() or not _scheme_ok(digits):
        return False
    return luhn_ok(digits)


def card_mask(value: str) -> str:
    """The fixed mask a card number is stored as: ``•••• `` and its last four digits (fewer if it has fewer)."""
    digits = _NOT_DIGIT.sub("", value)
    return f"{BULLETS} {digits[-4:]}" if digits else BULLETS


def _card_span(run: str) -> tuple[int, int, str] | None:
    """(start, end, last four) of the card number in a run of digit groups: the whole run, else the longest
    sub-run of whole groups that is one (``4111 1111 1111 1111 12`` holds a card followed by a month)."""
    digits = _NOT_DIGIT.sub("", run)
    if card_ok(digits):
        return 0, len(run), digits[-4:]
    groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", run)]
    if len(groups) < 2:
        return None
    best: tuple[int, int, str] | None = None
    for i in range(len(groups)):
        for j in range(len(groups) - 1, i - 1, -1):
            a, b = groups[i][0], groups[j][1]
            sub = _NOT_DIGIT.sub("", run[a:b])
            if card_ok(sub) and (best is None or b - a > best[1] - best[0]):
                best = (a, b, sub[-4:])
    return best


def _thai_grouped(text: str) -> bool:
    return [len(g) for g in re.split(r"[ -]", text)] == [1, 4, 5, 2, 1]


def _national_shape(text: str) -> bool:
    """Grouped as phones are written (an area code in brackets or before a slash, or a short group before the
    last), not in the blocks of four that account numbers use (``0044 0532 0130 01`` is part of an IBAN)."""
    groups = [len(g) for g in re.findall(r"\d+", text)]
    return "(" in text or "/" in text or any(n < 4 for n in groups[1:-1]) or len(groups) == 2


def _phone_ok(text: str) -> bool:
    digits = _NOT_DIGIT.sub("", text)
    if DATE_LIKE.match(text.strip()):
        return False
    if text.startswith("+"):
        return 8 <= len(digits) <= 15
    grouped = bool(re.search(r"[ ()-]", text))
    if digits.startswith("0"):
        return 9 <= len(digits) <= 12 or (grouped and len(digits) <= 15)
    return 10 <= len(digits) <= 15 and grouped


def detect(text: str) -> list[Match]:
    """Every match in ``text`` (non-overlapping, in text order; see the module doc for the rules)."""
    if not isinstance(text, str) or not text or not MAYBE.search(text):
        return []
    text = text[:MAX_SCAN]
    found: list[Match] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(kind: str, m: re.Match[str], last4: str = "") -> None:
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            found.append(Match(kind, m.start(), m.end(), m.group(0), last4))

    for m in EMAIL.finditer(text):
        if m.group(0).rsplit(".", 1)[-1].lower() not in FILE_SUFFIXES:
            add("email", m)
    for m in IBAN.finditer(text):
        if iban_ok(m.group(0)):
            add("iban", m)
    for m in CARD.finditer(text):
        span = _card_span(m.group(0))
        if span is not None:
            a, b, last4 = span
            if free(m.start() + a, m.start() + b):
                taken.append((m.start() + a, m.start() + b))
                found.append(Match("card_number", m.start() + a, m.start() + b, m.group(0)[a:b], last4))
    for m in THAI.finditer(text):
        digits = _NOT_DIGIT.sub("", m.group(0))
        grouped = digits != m.group(0)
        if thai_id_ok(digits) and (_thai_grouped(m.group(0)) if grouped else not 15e11 <= int(digits) < 20e11):
            add("thai_id", m)
    for m in PHONE.finditer(text):
        if _phone_ok(m.group(0)):
            add("phone", m)
    for m in PHONE_NATIONAL.finditer(text):
        if _phone_ok(m.group(0)) and _national_shape(m.group(0)):
            add("phone", m)
    found.sort(key=lambda f: f.start)
    return found


def mask_text(text: str, placeholders: Mapping[str, str] | None = None) -> str:
    """``text`` with every match replaced: card numbers by ``•••• 1111``, the rest by ``[kind]`` placeholders
    (``placeholders`` overrides, e.g. ``{"card_number": "[card]"}``)."""
    matches = detect(text)
    if not matches:
        return text[:MAX_SCAN] if len(text) > MAX_SCAN else text
    masks = {**DEFAULT_MASKS, **(placeholders or {})}
    out: list[str] = []
    pos = 0
    for m in matches:
        out.append(text[pos:m.start])
        if m.kind == "card_number" and "card_number" not in masks:
            out.append(f"{BULLETS} {m.last4}")
        else:
            out.append(masks.get(m.kind, f"[{m.kind}]"))
        pos = m.end
    out.append(text[pos:MAX_SCAN])
    return "".join(out)


def mask_url(url: str) -> str:
    """A URL with personal data in it masked (looked for in its percent-decoded form); unchanged when clean."""
    if not isinstance(url, str) or not url:
        return url
    plain = unquote(url.replace("+", " ")) if "%" in url or "+" in url else url
    if not detect(plain):
        return url
    return quote(mask_text(plain), safe=":/?#[]@!$&'()*+,;=%~.-_")


def pseudonym(value: str) -> str:
    """A user id that is an e-mail address, a phone number or another detected kind, as a stable hash (``id:`` and
    16 hex digits of SHA-256 over the trimmed, lowercased id), so the same person still joins across imports;
    any other id unchanged."""
    if not isinstance(value, str) or value.startswith("id:") or not detect(value):
        return value
    return "id:" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:16]

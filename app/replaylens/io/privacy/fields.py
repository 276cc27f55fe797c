"""Which form fields hold card data: classification from an element's attributes and its label (pure Python).

``classify_field(tag, attrs, label)`` returns a field kind (``FIELD_KINDS``) or ``None`` for an ordinary field:

* ``card_number``, ``card_cvv``, ``card_expiry``, ``card_name``: from the HTML ``autocomplete`` tokens
  (``cc-number``; ``cc-csc``; ``cc-exp``, ``cc-exp-month``, ``cc-exp-year``; ``cc-name``, ``cc-given-name``,
  ``cc-additional-name``, ``cc-family-name``), else from what the ``name``, ``id``, ``placeholder``,
  ``aria-label``, ``title`` or the field's label text say, in English, Thai or German (``NUMBER_WORDS`` ...).
  Other ``cc-*`` tokens (``cc-type``) count as ``card_name`` (card data, never stored).
* ``secret``: the password rule of ``io.rrweb.secrets`` (password/hidden types, one-time codes, mask and ignore
  classes, names like ``pin``), reused as it is.

Matching: the texts are lowercased and joined without spaces or punctuation (``Card No.`` -> ``cardno``,
``cc_number`` -> ``ccnumber``); a kind matches when the joined text contains one of its stems, or one of its
whole words (split at non-letters and camelCase: ``pan``, ``cvv``, ``exp``) occurs. Stems that would catch
ordinary words are whole words only (``pan`` is not ``company``, ``exp`` is not ``experience``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from replaylens.io.rrweb import secrets

CARD_KINDS = ("card_number", "card_cvv", "card_expiry", "card_name")
FIELD_KINDS = (*CARD_KINDS, "secret")
#: The order in which a field's kind may only get stricter (``FieldMemory`` never downgrades).
RANK = {"secret": 1, "card_name": 2, "card_expiry": 3, "card_cvv": 4, "card_number": 5}
#: Attributes the rule reads (an attribute mutation touching none of them cannot change a kind).
RULE_ATTRS = secrets.RULE_ATTRS | {"placeholder", "aria-label", "title", "autocomplete", "x-autocompletetype"}

AUTOCOMPLETE = {"cc-number": "card_number", "cc-csc": "card_cvv", "cc-exp": "card_expiry",
                "cc-exp-month": "card_expiry", "cc-exp-year": "card_expiry", "cc-name": "card_name",
                "cc-given-name": "card_name", "cc-additional-name": "card_name", "cc-family-name": "card_name"}
# joined-text stems (substring match) and whole words, per kind (English, Thai, German)
NUMBER_STEMS = ("cardnumber", "cardno", "cardnum", "ccnumber", "ccnum", "creditcard", "debitcard", "kreditkarte",
                "kartennummer", "kartennr", "primaryaccountnumber", "หมายเลขบัตร", "เลขที่บัตร", "เลขบัตรเครดิต",
                "เลขบัตรเดบิต", "บัตรเครดิต", "บัตรเดบิต")
NUMBER_WORDS = frozenset({"pan", "ccn", "cardnr"})
CVV_STEMS = ("securitycode", "cardcode", "cardverification", "verificationcode", "sicherheitscode", "prüfnummer",
             "prufnummer", "pruefnummer", "kartenprüf", "kartenpruef", "prüfziffer", "pruefziffer",
             "รหัสความปลอดภัย", "รหัสหลังบัตร", "cvv", "cvc")
CVV_WORDS = frozenset({"cvv", "cvc", "csc", "cvn", "cvd", "cav", "cid"})
EXPIRY_STEMS = ("expiry", "expiration", "expdate", "expmonth", "expyear", "validthru", "validthrough",
                "validuntil", "gültigbis", "gultigbis", "gueltigbis", "ablaufdatum", "verfallsdatum", "ablauf",
                "วันหมดอายุ", "หมดอายุ", "ccexp", "cardexp")
EXPIRY_WORDS = frozenset({"exp", "expires", "mmyy", "mmjj"})
NAME_STEMS = ("nameoncard", "cardholder", "cardname", "ccname", "karteninhaber", "nameaufderkarte",
              "ชื่อบนบัตร", "ชื่อผู้ถือบัตร")
_EXPIRY_FORMAT = re.compile(r"\b(?:mm|MM)\s*/\s*(?:yy|YY|jj|JJ|yyyy|YYYY|jjjj)\b")
_JOIN_DROP = re.compile(r"[\W_]+")
_ID_CARD = ("บัตรประชาชน", "ประจำตัวประชาชน", "personalausweis")  # national id cards: not payment cards
TEXT_ATTRS = ("name", "id", "placeholder", "aria-label", "title", "data-testid", "data-test", "data-qa")


def _joined(text: str) -> str:
    return _JOIN_DROP.sub("", text.lower())


def _norm(stems: tuple[str, ...]) -> tuple[str, ...]:
    """Stems joined the way texts are (Thai vowel and tone marks are not word characters: dropped on both)."""
    return tuple(_joined(s) for s in stems)


_JOINED_STEMS = tuple(_norm(s) for s in (CVV_STEMS, EXPIRY_STEMS, NAME_STEMS, NUMBER_STEMS, _ID_CARD))


def kind_of_text(texts: Iterable[str]) -> str | None:
    """The card kind that names/labels ``texts`` say (module doc), or None."""
    joined_parts: list[str] = []
    words: set[str] = set()
    expiry_format = False
    for t in texts:
        if not isinstance(t, str) or not t:
            continue
        t = t[:300]
        joined_parts.append(_joined(t))
        words.update(secrets.words(t))
        expiry_format = expiry_format or bool(_EXPIRY_FORMAT.search(t))
    joined = " ".join(joined_parts)
    cvv, expiry, name, number, id_card = _JOINED_STEMS
    if not joined:
        return None
    if any(s in joined for s in cvv) or not words.isdisjoint(CVV_WORDS):
        return "card_cvv"
    if any(s in joined for s in expiry) or not words.isdisjoint(EXPIRY_WORDS) or expiry_format:
        return "card_expiry"
    if any(s in joined for s in name):
        return "card_name"
    if any(s in joined for s in id_card):
        return None
    if any(s in joined for s in number) or not words.isdisjoint(NUMBER_WORDS):
        return "card_number"
    return None


def _attr(attrs: Mapping[str, Any], key: str) -> str:
    v = attrs.get(key)
    return v if isinstance(v, str) else ""


def autocomplete_kind(value: str) -> str | None:
    tokens = value.lower().split()
    for tok in tokens:
        if tok in AUTOCOMPLETE:
            return AUTOCOMPLETE[tok]
    return "card_name" if any(tok.startswith("cc-") for tok in tokens) else None


def classify_field(tag: str, attrs: Mapping[str, Any], label: str = "") -> str | None:
    """The kind of a form field (``FIELD_KINDS``) or None; ``tag`` lowercased, ``attrs`` its attributes (at any
    time), ``label`` the text of its ``<label>`` (or accessible name). Non-fields are None unless secret."""
    if not isinstance(attrs, Mapping):
        return None
    tag = tag.lower() if isinstance(tag, str) else ""
    if not secrets.is_field(tag, attrs):
        return "secret" if secrets.is_secret(tag, attrs) else None
    kind = autocomplete_kind(_attr(attrs, "autocomplete") + " " + _attr(attrs, "x-autocompletetype"))
    if kind is None:
        kind = kind_of_text([*(_attr(attrs, k) for k in TEXT_ATTRS), label])
    if kind is not None:
        return kind
    return "secret" if secrets.is_secret(tag, attrs) else None


def stricter(a: str | None, b: str | None) -> str | None:
    """The stricter of two field kinds (a card field stays one)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if RANK.get(a, 0) >= RANK.get(b, 0) else b

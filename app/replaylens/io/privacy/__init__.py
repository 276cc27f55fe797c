"""Card numbers and personal data: one detector, one policy, applied wherever a string enters storage (no Qt).

The API (docs/privacy.md tells the user's side):

``detect(text) -> list[Match]``
    Card numbers (Luhn), IBANs (mod-97), e-mail addresses, phone numbers (E.164, Thai, German and other national
    forms) and Thai national ids (check digit) in free text (``detect`` module doc has every rule and near miss).
``mask_text(text) -> str`` / ``mask_url(url) -> str``
    The text with each match replaced: a card number by ``•••• 1111``, the rest by ``[email]``, ``[phone]``,
    ``[iban]``, ``[thai_id]``.
``classify_field(tag, attrs, label="") -> str | None``
    A form field's kind: ``card_number``, ``card_cvv``, ``card_expiry``, ``card_name`` (``autocomplete`` tokens,
    names, ids, placeholders and labels in English, Thai and German) or ``secret`` (``io.rrweb.secrets``' rule).
``reduce_value(value, field_kind=None, *, keep_values=False) -> str | None``
    The stored form of a typed value: ``•••• 1111`` for a card number, ``None`` for CVV/expiry/name/secret, the
    character-class shape (``Aaaa 9999``) for any other value unless the library keeps values; ``shape(value)``.
``FieldMemory`` / ``scrub_rrweb_events(events, memory, keep_values=False) -> list[dict]``
    Raw rrweb events with every value reduced; the memory (``to_json``/``from_json``) keeps a session's card and
    secret fields across batches: once a card field, always one.
``scrub_table(table, keep_values=False) -> pa.Table`` (``privacy.tables``)
    An events table (bundle or library Parquet) with the policy applied to ``value`` and every other string
    column masked; ``scrub_strings`` for catalogue values.
"""

from replaylens.io.privacy.detect import KINDS, Match, card_mask, detect, mask_text, mask_url
from replaylens.io.privacy.fields import CARD_KINDS, FIELD_KINDS, classify_field
from replaylens.io.privacy.memory import FieldMemory
from replaylens.io.privacy.policy import NEVER_STORED, reduce_value, shape
from replaylens.io.privacy.rrweb import scrub_rrweb_events, scrub_value

__all__ = ["CARD_KINDS", "FIELD_KINDS", "KINDS", "NEVER_STORED", "FieldMemory", "Match", "card_mask",
           "classify_field", "detect", "mask_text", "mask_url", "reduce_value", "scrub_rrweb_events",
           "scrub_value", "shape"]

"""The detector itself lives in ``core.pii`` (standard library only, so the store can mask notes and attribute
values with it too); this module is its name inside the privacy package."""

from replaylens.core.pii import (
    BULLETS,
    DEFAULT_MASKS,
    KINDS,
    MAYBE,
    Match,
    card_mask,
    card_ok,
    detect,
    iban_ok,
    luhn_ok,
    mask_text,
    mask_url,
    thai_id_ok,
)

__all__ = ["BULLETS", "DEFAULT_MASKS", "KINDS", "MAYBE", "Match", "card_mask", "card_ok", "detect", "iban_ok",
           "luhn_ok", "mask_text", "mask_url", "thai_id_ok"]

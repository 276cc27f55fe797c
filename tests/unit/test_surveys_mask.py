"""Personal data in free-text answers is masked on import: e-mail addresses, phone numbers, IBANs (mod-97
checked) and card numbers (Luhn checked); order numbers, dates, times, amounts and failed checksums are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_support import write

from replaylens.io.surveys import read_responses
from replaylens.io.surveys.mask import iban_ok, luhn_ok, mask_text


@pytest.mark.parametrize(("text", "masked"), [
    ("mail me at anna.k+stake@bank.co.th please", "mail me at [email] please"),
    ("ANNA@EXAMPLE.COM", "[email]"),
    ("call +66 81 234 5678 now", "call [phone] now"),
    ("call +49 (30) 1234-5678", "call [phone]"),
    ("ring 081-234-5678 after 6", "ring [phone] after 6"),
    ("or 0812345678", "or [phone]"),
    ("IBAN DE89 3704 0044 0532 0130 00 thanks", "IBAN [iban] thanks"),
    ("GB82WEST12345698765432", "[iban]"),
    ("card 4111 1111 1111 1111 declined", "card [card] declined"),
    ("card 5500-0000-0000-0004", "card [card]"),
    ("4012888888881881", "[card]"),
    ("amex 3782 822463 10005", "amex [card]"),
    ("two: a@b.io and +66 81 234 5678", "two: [email] and [phone]"),
])
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "order #123456789012 is late",        # an order number after '#'
    "order A-102934 from 2026-04-14",     # an order id and an ISO date
    "paid on 14/04/2026 at 10:30",        # a date and a time
    "ref ORD-55512345",
    "amount 1,250.00 THB and 0.5 ETH",
    "tx 1234567890123",                   # 13 digits, no Luhn, no phone grouping
    "card 4111 1111 1111 1112",           # fails the Luhn check
    "DE89 3704 0044 0532 0130 01",        # fails the IBAN check
    "version 2.10.3 build 20260414",
    "12345678",                           # too short for a phone
    "staking 32 ETH for 365 days",
    "user@localhost",                     # no top-level domain
])
def test_near_misses_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("DE89 3704 0044 0532 0130 00") and not iban_ok("DE89 3704 0044 0532 0130 01")
    assert not iban_ok("DE89")


def test_import_masks_by_default_and_keeps_on_request(tmp_path: Path) -> None:
    p = write(tmp_path / "h.csv", "Number,Date Submitted,Source URL,Comment\n"
                                  "1,2026-04-12 13:00:00,https://x.example/,email bo@x.io or +66 81 234 5678\n")
    _, masked = read_responses(p)
    assert masked[0].answers[0].value == "email [email] or [phone]"
    _, raw = read_responses(p, mask=False)
    assert raw[0].answers[0].value == "email bo@x.io or +66 81 234 5678"

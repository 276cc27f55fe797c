"""The one detector (io/privacy): published test numbers of each scheme are found, near misses pass unchanged."""

from __future__ import annotations

import pytest

from replaylens.io.privacy import classify_field, detect, mask_text, mask_url, reduce_value, shape
from replaylens.io.privacy.detect import card_ok, iban_ok, thai_id_ok

CARDS = ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4012888888881881",
         "5555555555554444", "5105105105105100", "2223003122003222", "378282246310005", "3782 822463 10005",
         "371449635398431", "6011111111111117", "6011000990139424", "3530111333300000", "3566002020360505",
         "30569309025904", "38520000023237", "6200000000000005", "4222222222222"]
IBANS = ["GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
         "DE89 3704 0044 0532 0130 00", "FR1420041010050500013M02606", "NL91ABNA0417164300", "TH0000"]


@pytest.mark.parametrize("number", CARDS)
def test_card_test_numbers_are_found_and_masked_to_last_four(number: str) -> None:
    found = detect(f"paid with {number} today")
    assert [m.kind for m in found] == ["card_number"]
    assert found[0].last4 == number.replace(" ", "").replace("-", "")[-4:]
    assert mask_text(f"paid with {number} today") == f"paid with \u2022\u2022\u2022\u2022 {found[0].last4} today"
    assert number not in repr(found)  # a match never prints its value


@pytest.mark.parametrize("iban", IBANS[:-1])
def test_iban_examples(iban: str) -> None:
    assert [m.kind for m in detect(f"IBAN: {iban}.")] == ["iban"]
    assert mask_text(iban) == "[iban]"


@pytest.mark.parametrize(("text", "kind"), [
    ("anna.k+stake@bank.co.th", "email"), ("ANNA@EXAMPLE.COM", "email"),
    ("+66 81 234 5678", "phone"), ("+6681234567", "phone"), ("081-234-5678", "phone"), ("0812345678", "phone"),
    ("02 123 4567", "phone"), ("+49 30 1234567", "phone"), ("030 12345678", "phone"), ("(030) 1234-5678", "phone"),
    ("0151 23456789", "phone"), ("+14155552671", "phone"), ("(089) 12 34 56", "phone"), ("089/123456", "phone"),
    ("+49 (0)30 1234567", "phone"), ("08-1234-5678", "phone"),
    ("1101700230708", "thai_id"), ("1-1017-00230-70-8", "thai_id"), ("3 1017 00230 70 4", "thai_id"),
])
def test_other_kinds(text: str, kind: str) -> None:
    assert [m.kind for m in detect(f"x {text} y")] == [kind]
    assert text not in mask_text(f"x {text} y")


@pytest.mark.parametrize("text", [
    "order #123456789012 is late", "order A-102934 from 2026-04-14", "paid on 14/04/2026 at 10:30",
    "ref ORD-55512345", "amount 1,250.00 THB and 0.5 ETH", "amount 1 250 000 THB", "tx 1234567890123",
    "4111 1111 1111 1112", "4111111111111112", "5555555555554445", "DE89 3704 0044 0532 0130 01",
    "GB82WEST12345698765433", "version 2.10.3 build 20260414", "12345678", "user@localhost",
    "1700000000000", "at 1712345678901 ms", "ts=1765432109876", "1101700230705", "1-1017-00230-70-5",
    "9999999999999999", "1234567812345670",  # Luhn-valid, but no card starts with 9 or 1
    "staking 32 ETH for 365 days", "", "on 02/03/2026", "0/1 files", "page 01 of 12",
    "url('/img/cover_no_shadow@2x.d5f9dddd.jpg')", "icon@3x.png",
])
def test_near_misses_pass_unchanged(text: str) -> None:
    assert detect(text) == []
    assert mask_text(text) == text


def test_card_inside_a_longer_run_of_digit_groups() -> None:
    assert mask_text("4111 1111 1111 1111 12/28") == "\u2022\u2022\u2022\u2022 1111 12/28"


def test_checksums() -> None:
    assert card_ok("4111111111111111") and not card_ok("4111111111111112") and not card_ok("1700000000000")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765431") and not iban_ok("GB82")
    assert thai_id_ok("1101700230708") and not thai_id_ok("1101700230705") and not thai_id_ok("0101700230708")


def test_urls_are_masked_in_decoded_form() -> None:
    assert mask_url("https://shop.example/pay?card=4111%201111%201111%201111&x=1").count("1111") == 1
    assert "anna" not in mask_url("https://shop.example/u/anna%40bank.co.th")
    clean = "https://shop.example/order/123456?ts=1700000000000"
    assert mask_url(clean) == clean


@pytest.mark.parametrize(("tag", "attrs", "label", "kind"), [
    ("input", {"autocomplete": "cc-number"}, "", "card_number"),
    ("input", {"autocomplete": "billing cc-number"}, "", "card_number"),
    ("input", {"id": "cc-number"}, "", "card_number"),
    ("input", {"name": "cardNumber"}, "", "card_number"),
    ("input", {"name": "card_no"}, "", "card_number"),
    ("input", {"id": "pan"}, "", "card_number"),
    ("input", {}, "Card number", "card_number"),
    ("input", {"placeholder": "Kartennummer"}, "", "card_number"),
    ("input", {}, "หมายเลขบัตรเครดิต", "card_number"),
    ("input", {"autocomplete": "cc-csc"}, "", "card_cvv"),
    ("input", {"name": "x"}, "CVV", "card_cvv"),
    ("input", {}, "Security code", "card_cvv"),
    ("input", {}, "Prüfnummer", "card_cvv"),
    ("input", {}, "รหัสความปลอดภัย", "card_cvv"),
    ("input", {"autocomplete": "cc-exp"}, "", "card_expiry"),
    ("input", {"autocomplete": "cc-exp-month"}, "", "card_expiry"),
    ("input", {"placeholder": "MM / YY"}, "", "card_expiry"),
    ("input", {}, "Expiry date", "card_expiry"),
    ("input", {}, "Gültig bis", "card_expiry"),
    ("input", {}, "วันหมดอายุ", "card_expiry"),
    ("input", {"autocomplete": "cc-name"}, "", "card_name"),
    ("input", {}, "Name on card", "card_name"),
    ("input", {}, "Karteninhaber", "card_name"),
    ("input", {"type": "password"}, "", "secret"),
    ("input", {"name": "pin"}, "", "secret"),
    ("input", {"name": "company"}, "Company", None),
    ("input", {"name": "experience"}, "Experience", None),
    ("input", {"id": "email"}, "E-mail", None),
    ("input", {}, "เลขบัตรประชาชน", None),  # the national id card number is not a payment card
    ("div", {"id": "cc-number"}, "", None),  # not a form field
])
def test_field_classification(tag: str, attrs: dict[str, str], label: str, kind: str | None) -> None:
    assert classify_field(tag, attrs, label) == kind


def test_policy() -> None:
    assert shape("Anna K. 081-234") == "Aaaa A. 999-999"
    assert shape("สมชาย") == "aaaaa"
    assert reduce_value("4111 1111 1111 1111", "card_number") == "\u2022\u2022\u2022\u2022 1111"
    # while it is typed: no digits (the last four of each prefix would spell out the whole number)
    assert {reduce_value("4111 1111 1111 1111"[:i], "card_number") for i in range(1, 18)} == {"\u2022" * 4}
    assert reduce_value("4111111111111111") == "\u2022\u2022\u2022\u2022 1111"  # a card in any field
    for kind in ("card_cvv", "card_expiry", "card_name", "secret"):
        assert reduce_value("123", kind) is None
    assert reduce_value("Anna") == "Aaaa"
    assert reduce_value("Anna", keep_values=True) == "Anna"
    assert reduce_value("mail anna@x.io", keep_values=True) == "mail [email]"
    # kept values: a card number typed into an ordinary field leaks no prefix either
    prefixes = [reduce_value("4111 1111 1111 1111"[:i], keep_values=True) or "" for i in range(9, 19)]
    assert not [p for p in prefixes if "1" in p]  # shapes or placeholders: no digit of the card
    assert reduce_value("4111 1111 1111 1111", keep_values=True) == "\u2022\u2022\u2022\u2022 1111"
    assert reduce_value("order 1234567", keep_values=True) == "order 1234567"  # 7 digits: kept
    typed = [reduce_value("anna.k@bank.co.th"[:i], keep_values=True) or "" for i in range(7, 18)]
    assert not [t for t in typed if "anna" in t or "bank" in t]
    for stored in ("Aaaa", "\u2022\u2022\u2022\u2022 1111", "999-999"):  # idempotent
        assert reduce_value(stored) == stored


def test_card_fields_never_render_their_value_even_with_show_values() -> None:
    from replaylens.io.rrweb import fields

    for attrs in ({"id": "cc-number", "value": "4111 1111"}, {"name": "cvv", "value": "737"},
                  {"autocomplete": "cc-exp", "value": "12/28"}):
        clean = dict(attrs)
        fields.mask_value("input", attrs, clean, secret=False, masked=False, show_values=True, mask_text=False)
        assert clean["value"] == "\u2022" * len(attrs["value"])  # as every masked value looks
    clean = {"value": "Anna"}
    fields.mask_value("input", {"name": "first", "value": "Anna"}, clean, secret=False, masked=False,
                      show_values=True, mask_text=False)
    assert clean["value"] == "Anna"  # other values follow the preference as before

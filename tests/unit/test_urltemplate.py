"""URL templates (core.urltemplate): ids, UUIDs, hashes and e-mail addresses become <id>, tracking parameters go,
user rules apply in order."""

from __future__ import annotations

import pytest

from replaylens.core.urltemplate import TemplateRule, check_rule, compile_rules, is_id, is_tracking, url_template


@pytest.mark.parametrize(("url", "template"), [
    ("https://bank.example/account/48213/transfer", "/account/<id>/transfer"),
    ("https://bank.example/u/3fa85f64-5717-4562-b3fc-2c963f66afa6/cards", "/u/<id>/cards"),
    ("https://bank.example/tx/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "/tx/<id>"),
    ("https://bank.example/verify/jane.doe%40mail.example", "/verify/<id>"),
    ("https://bank.example/verify/jane.doe@mail.example/done", "/verify/<id>/done"),
    ("https://bank.example/ref/Ab3dEf9hIj2kLm5nOp8q", "/ref/<id>"),
    ("https://bank.example/wallet?utm_source=line&utm_campaign=songkran&gclid=x&fbclid=y&msclkid=z&_ga=1",
     "/wallet"),
    ("https://bank.example/wallet?tab=fx&mc_cid=abc&id=77", "/wallet?id=<id>&tab=fx"),
    ("https://bank.example/wallet?b=2x&a=1", "/wallet?a=<id>&b=2x"),
    ("https://bank.example/#/account/12/transfer", "/#/account/<id>/transfer"),
    ("https://bank.example/faq#fees", "/faq"),
    ("https://bank.example", "/"),
    # words that merely contain digits stay: they name pages, not customers
    ("https://bank.example/v2/step3/2fa/web3", "/v2/step3/2fa/web3"),
    ("https://bank.example/kyc/upload-id", "/kyc/upload-id"),
])
def test_templates(url: str, template: str) -> None:
    assert url_template(url) == template


def test_the_same_page_for_different_customers_is_one_template() -> None:
    urls = [f"https://bank.example/account/{n}/transfer?utm_campaign=c{n}&tab=fx" for n in (1, 48213, 999999)]
    assert {url_template(u) for u in urls} == {"/account/<id>/transfer?tab=fx"}
    assert url_template("https://bank.example/account/48213/statements") != url_template(urls[0])


def test_ids_and_tracking_parameters() -> None:
    assert is_id("48213") and is_id("12.50") and is_id("3FA85F64-5717-4562-B3FC-2C963F66AFA6")
    assert is_id("a1b2c3d4e5f6a7b8") and is_id("someone@bank.example")
    assert not is_id("transfer") and not is_id("abcdefabcdefabcdef")  # hex letters alone: a word
    assert not is_id("step3") and not is_id("")
    assert is_tracking("utm_anything") and is_tracking("GCLID") and is_tracking("fbclid")
    assert not is_tracking("tab") and not is_tracking("id")


def test_user_rules_apply_in_order_before_the_built_in_ones() -> None:
    blog = TemplateRule(r"^/blog/[^/?]+", "/blog/<post>")
    assert url_template("https://bank.example/blog/how-to-stake", compile_rules([blog])) == "/blog/<post>"
    assert url_template("https://bank.example/blog/how-to-stake") == "/blog/how-to-stake"
    first = TemplateRule(r"^/promo/(\w+)", r"/offer/\1")
    second = TemplateRule(r"^/offer/songkran", "/offer/<festival>")
    assert url_template("https://x.example/promo/songkran", compile_rules([first, second])) == "/offer/<festival>"
    # the other order: the second rule sees /promo/… and does nothing, the first one then renames it
    assert url_template("https://x.example/promo/songkran", compile_rules([second, first])) == "/offer/songkran"
    # ids are still found after a rule
    assert url_template("https://x.example/promo/x/48213", compile_rules([first])) == "/offer/x/<id>"


def test_bad_rules_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="not a regular expression"):
        check_rule("(unclosed", "x")
    with pytest.raises(ValueError, match="1-300 characters"):
        check_rule("", "x")
    with pytest.raises(ValueError, match="control characters"):
        check_rule("a", "b\x00")
    with pytest.raises(ValueError, match="nested repetition"):
        check_rule(r"^/(a+)+$", "x")
    check_rule(r"^/(blog|news)/[^/?]+", "/<section>/<post>")  # a plain group is fine
    bad_group = compile_rules([TemplateRule("^/a", r"\9")])  # compiles, but the alias names no group
    assert url_template("https://x.example/a/b", bad_group) == "/a/b"


def test_unparsable_and_huge_urls_never_raise() -> None:
    assert url_template("http://[::1") == "http://[::1"
    assert len(url_template("https://x.example/" + "a" * 100_000)) <= 4096

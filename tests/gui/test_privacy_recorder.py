"""A checkout form recorded by rrweb's own recorder (the pinned npm package, default options: only passwords
masked), typed with real key events in QtWebEngine; then ``convert``, ``library add`` and ``survey import``: no
file they write holds any of the typed card, CVV, expiry, IBAN, e-mail or phone values (bytes, ZIP members and
decoded Parquet / catalogue columns searched); ``audit`` lists each kind in the raw recording and finds the outputs
clean. Skipped when rrweb has not been fetched (``bash packaging/fetch_rrweb.sh``)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest
from rrweb_replayer import rrweb_missing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from privacy_support import leaks

from replaylens.cli import main

pytestmark = pytest.mark.skipif(rrweb_missing() is not None, reason=str(rrweb_missing()))

FORM = """
<form id="pay" onsubmit="return false">
 <label>First name <input id="first" name="first"></label>
 <label for="email">E-mail</label> <input id="email" type="email" name="email">
 <label for="phone">Phone</label> <input id="phone" type="tel" name="phone">
 <label for="iban">IBAN</label> <input id="iban" name="iban">
 <label for="ccn">Card</label> <input id="ccn" autocomplete="cc-number">
 <input id="cc-number">
 <label for="f3">CVV</label> <input id="f3" name="f3">
 <label for="f4">Expiry (MM/YY)</label> <input id="f4" name="f4">
 <label for="saved">Saved card</label> <input id="saved" name="card_no">
 <p id="note">Order 123456789012 at 1700000000000</p>
</form>"""
#: A script mutation: a card number put into a field by the page, not typed.
SCRIPT = ("setTimeout(()=>document.getElementById('saved').setAttribute('value','3782 822463 10005'),300);"
          "setTimeout(()=>rrweb.record.addCustomEvent('order',{order:'A-123456789012',ts:1700000000000,"
          "amount:'1,250.00 THB',ref:'ORD-55512345'}),100)")
NEAR_MISSES = ["A-123456789012", "1700000000000", "1,250.00 THB", "ORD-55512345"]
TYPED = {"first": "Anna", "email": "anna.k@bank.co.th", "phone": "+66 81 234 5678", "iban": "DE89370400440532013000",
         "ccn": "4111 1111 1111 1111", "cc-number": "5555 5555 5555 4444", "f3": "7391", "f4": "12/28"}
#: What must be found nowhere: the values and their telling parts (long enough not to occur by chance).
SECRETS = ["anna.k@bank.co.th", "bank.co.th", "234 5678", "66812345678", "DE89370400440532013000",
           "370400440532013000", "4111 1111", "4111111111111111", "5555 5555", "5555555555554444",
           "3782 822463", "378282246310005", "12/28", "7391"]


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(list(args))
    return rc, out.getvalue()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> Path:
    from rrweb_recorder import RrwebRecorder

    rec = RrwebRecorder(FORM, SCRIPT)
    try:
        for field, text in TYPED.items():
            rec.type_into(field, text)
            assert rec.value(field) == text, field  # the key events reached the page
        assert rec.value("saved") == "3782 822463 10005"
        events = rec.events()
    finally:
        rec.close()
    inputs = [e for e in events if e["type"] == 3 and e["data"].get("source") == 5]
    assert len(inputs) >= len(TYPED)  # rrweb saw the typing as input events
    raw = json.dumps(events)
    assert "4111 1111 1111 1111" in raw and "7391" in raw and "anna.k@bank.co.th" in raw  # rrweb kept them all
    path = tmp_path_factory.mktemp("recorded") / "checkout.json"
    path.write_text(raw)
    return path


def test_audit_lists_every_kind_in_the_raw_recording(recorded: Path) -> None:
    rc, out = cli("audit", str(recorded), "--json")
    assert rc == 1
    report = json.loads(out)
    assert {"card_number", "card_cvv", "card_expiry", "iban", "email", "phone"} <= set(report["kinds"])
    assert not [s for s in SECRETS if s in out]


def test_nothing_typed_is_stored_and_outputs_audit_clean(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    bundle = out / "checkout.rlsession"
    assert cli("convert", str(recorded), "-o", str(bundle), "--no-render")[0] == 0
    lib = out / "lib"
    assert cli("library", "add", str(recorded), str(bundle), "--library", str(lib), "--workers", "0")[0] == 0
    survey = tmp_path / "survey.csv"
    survey.write_text("Number,Date Submitted,Source URL,Comment\n"
                      "1,2026-04-12 13:00:00,https://shop.example/,my card 4111 1111 1111 1111 and "
                      "anna.k@bank.co.th, call +66 81 234 5678\n")
    assert cli("survey", "import", str(survey), "--library", str(lib))[0] == 0
    assert leaks(out, SECRETS) == []
    rc, text = cli("audit", str(bundle), str(lib), "--json")
    assert rc == 0 and json.loads(text)["clean"] is True, text
    # near misses in the page's custom event stay as they were, in the bundle and in the library
    assert {v for _, v in leaks(bundle, NEAR_MISSES)} == set(NEAR_MISSES)
    assert {v for _, v in leaks(lib / "events", NEAR_MISSES)} == set(NEAR_MISSES)


def test_scrubbed_events_still_replay_in_rrweb(recorded: Path) -> None:
    """What a collector stores (``scrub_rrweb_events``) is still a recording rrweb's own Replayer plays: the card
    field shows the fixed mask, the CVV its length in ``*``, nothing typed is left."""
    from rrweb_replayer import RrwebReplayer

    from replaylens.io.privacy import FieldMemory, scrub_rrweb_events

    events = json.loads(recorded.read_text())
    scrubbed = scrub_rrweb_events(events, FieldMemory())
    assert not [s for s in SECRETS if s in json.dumps(scrubbed, ensure_ascii=False)]
    player = RrwebReplayer(scrubbed, 1024, 900)
    try:
        end = scrubbed[-1]["timestamp"] - scrubbed[0]["timestamp"]
        player.frame_at(int(end))
        values = player.eval("JSON.stringify(['ccn','f3','first'].map("
                             "i=>R.iframe.contentDocument.getElementById(i).value))")
    finally:
        player.close()
    assert json.loads(values) == ["\u2022\u2022\u2022\u2022 1111", "****", "Aaaa"]

"""Passwords and other secrets never stored nor shown: one rule (io/rrweb/secrets.py) shared by the importer and the
page renderer. A recording types into every kind of secret field (type=PASSWORD, autocomplete tokens,
data-rr-is-password, rr-mask, name/id patterns, a field made secret by a later attribute mutation, a box masked by
a later mutation, fields added by a mutation); none of the typed values may appear in the bundle (every member, every
column of events.parquet), the DuckDB store, the events table, the sanitised HTML, the PDF text or the rendered page
(pixels: each secret field is the masked box). Plain fields are the control: their values are kept, which proves
the checks look where values would be."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from rrweb_factory import (
    FIELD_H,
    FIELD_LEFT,
    FIELD_W,
    PLAIN_FIELDS,
    field_top,
    secret_page_layout,
    secrets_recording,
    typed_secrets,
)
from storeutil import query

from replaylens.io.rrweb import secrets
from replaylens.io.rrweb.html import snapshot_to_html, wireframe_boxes
from replaylens.io.rrweb.reader import load_recording
from replaylens.render.page import prepare_qt

prepare_qt()  # at collection, before a QApplication exists (as tests/gui/test_webrender.py does)

SECRETS = typed_secrets()
PLAIN = [v for _nid, _attrs, v in PLAIN_FIELDS]
HATCH = ((0xC9, 0xCD, 0xD2), (0xB7, 0xBC, 0xC2))  # the masked box's two stripe colours (io/rrweb/fields.py)


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text] + (["Sx-"] if "Sx-" in text else [])


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "login.json"
    path.write_text(json.dumps(secrets_recording()))
    return path


# -- the rule ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tag,attrs", [
    ("input", {"type": "PASSWORD"}), ("input", {"type": " Password "}),
    ("input", {"autocomplete": "section-login current-password"}),
    ("input", {"autocomplete": "current-password webauthn"}), ("input", {"autocomplete": "NEW-PASSWORD"}),
    ("input", {"autocomplete": "shipping one-time-code"}), ("input", {"autocomplete": "cc-csc"}),
    ("input", {"data-rr-is-password": "true"}), ("div", {"data-rr-is-password": True}),
    ("input", {"class": "a rr-mask b"}), ("input", {"class": "rr-block"}), ("input", {"class": "rr-ignore"}),
    ("input", {"class": "ph-no-capture"}),
    ("input", {"name": "password"}), ("input", {"name": "user[password]"}), ("input", {"id": "newPassword2"}),
    ("input", {"name": "passwd"}), ("input", {"id": "login-pin"}), ("input", {"name": "PIN"}),
    ("input", {"name": "pincode"}), ("input", {"name": "otp"}), ("input", {"id": "smsOtpCode"}),
    ("input", {"name": "card_cvv"}), ("input", {"id": "cvc"}), ("input", {"name": "passcode"}),
    ("textarea", {"name": "recovery_passphrase"}), ("select", {"name": "pin_length"}),
    ("div", {"contenteditable": "true", "id": "otp"}),
])
def test_secret(tag: str, attrs: dict[str, Any]) -> None:
    assert secrets.is_secret(tag, attrs)


@pytest.mark.parametrize("tag,attrs", [
    ("input", {"type": "text"}), ("input", {"type": "email", "autocomplete": "username"}),
    ("input", {"autocomplete": "passwordless"}),  # a token match, not a substring of the attribute
    ("input", {"id": "spinner"}), ("input", {"name": "option"}), ("input", {"name": "pinned"}),
    ("input", {"name": "opinion"}), ("input", {"name": "compass"}), ("input", {"name": "passenger_count"}),
    ("input", {"id": "shipping"}), ("input", {"class": "rr-maskish"}),
    ("div", {"id": "password-rules"}),  # names only count on form fields
    ("button", {"name": "pin"}), ("div", {"contenteditable": "false", "id": "pin"}),
])
def test_not_secret(tag: str, attrs: dict[str, Any]) -> None:
    assert not secrets.is_secret(tag, attrs)


def test_masking_and_words() -> None:
    assert secrets.is_masking({"class": "rr-mask"}) and secrets.is_masking({"data-rr-is-password": ""})
    assert not secrets.is_masking({"class": "rr-ignore"})  # ignore: values hidden, text kept
    assert secrets.words("newPassword_2 loginPIN") == ["new", "password", "login", "pin"]


# -- importer: bundle, events.parquet, store, events table -------------------------------------------------------

@pytest.fixture(scope="module")
def bundle(rec: Path, tmp_path_factory: pytest.TempPathFactory, qapp) -> Path:
    """Converted with the preference to show non-secret values on, and with the privacy policy's opt-in to keep
    them (docs/privacy.md; the default stores only their shape): secrets must stay hidden regardless."""
    from replaylens.io.rrweb.convert import convert_rrweb

    out = tmp_path_factory.mktemp("secrets-out") / "login.rlsession"
    res = convert_rrweb(rec, out, show_values=True, keep_values=True)
    assert res.screenshots == 1 and not res.wireframes, res.render_note
    return out


def test_import_report_counts_every_secret_input(rec: Path) -> None:
    from replaylens.model.report import ImportReport

    report = ImportReport()
    load_recording(rec, report)
    assert report.counts["secret_inputs"] == len(SECRETS)


def test_no_secret_in_any_bundle_member_or_events_column(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for name, data in members.items():
        assert not [s for s in SECRETS if s.encode() in data], name
    table = pq.read_table(io.BytesIO(members["events.parquet"]))
    meta = pq.read_metadata(io.BytesIO(members["events.parquet"]))
    assert not _leaks(str(meta.metadata) + str(table.schema))
    cells = " ".join(str(v) for col in table.columns for v in col.to_pylist())
    assert not _leaks(cells)
    values = [v for v in table.column("value").to_pylist() if v is not None]
    assert sorted(values) == sorted(PLAIN)  # the control: plain values are kept, so the check above can fail
    assert not _leaks(members["manifest.json"].decode())


def test_no_secret_in_the_store_nor_the_events_table(bundle: Path) -> None:
    from PySide6.QtCore import Qt

    from replaylens.io.registry import open_session
    from replaylens.ui.docks import EventsModel

    s = open_session(bundle)
    try:
        rows = query(s.store, "SELECT * FROM events")
        assert not _leaks(" ".join(str(c) for r in rows for c in r))
        assert sorted(str(v) for (v,) in query(s.store, "SELECT value FROM events WHERE value IS NOT NULL")) == \
            sorted(PLAIN)
        model = EventsModel()
        model.set_session(s, np.ones(len(s.arrays), bool))
        shown = [str(model.data(model.index(r, c), role)) for r in range(model.rowCount())
                 for c in range(model.columnCount()) for role in (Qt.ItemDataRole.DisplayRole,
                                                                  Qt.ItemDataRole.ToolTipRole)]
        assert len(shown) > 100 and not _leaks(" ".join(shown))
    finally:
        s.close()


def test_no_secret_in_the_pdf_report_text(bundle: Path, tmp_path: Path) -> None:
    from PySide6.QtPdf import QPdfDocument

    from replaylens.export.pdf import export_report
    from replaylens.io.registry import open_session

    s = open_session(bundle)
    try:
        out = export_report(s, tmp_path / "r.pdf")
    finally:
        s.close()
    doc = QPdfDocument()
    assert doc.load(str(out)) == QPdfDocument.Error.None_
    text = " ".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    assert "Log in" in text and not _leaks(text)


def test_mutations_are_tracked_per_node(rec: Path) -> None:
    loaded = load_recording(rec)
    [page] = loaded.mapped.pages
    snap = {n["id"]: n for n in _walk(page.snapshot)}
    for nid in (53, 54, 56):  # plain fields at snapshot time: only the later mutations make them secret
        assert not secrets.is_secret("input", snap[nid]["attributes"])
    assert {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 57, 53, 54} <= page.secrets.secret
    assert page.secrets.masking == {45, 46, 55}  # data-rr-is-password, rr-mask, the box masked later
    assert {60, 61} <= page.secrets.secret  # added by a mutation: same id space as the snapshot
    assert not {70, 71} & page.secrets.secret


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.get("childNodes") or [])
    return out


# -- renderer: sanitised HTML, wireframe, rendered pixels ---------------------------------------------------------

def test_sanitised_html_holds_no_secret_and_masks_every_value_by_default(rec: Path) -> None:
    [page] = load_recording(rec).mapped.pages
    assert page.snapshot is not None
    for show in (False, True):
        out = snapshot_to_html(page.snapshot, show_values=show, secret_nodes=page.secrets)
        assert not _leaks(out), show
        boxes = re.findall(r"<(?:input|textarea)[^>]* data-rl-secret[ >]", out)
        assert len(boxes) == len(secret_page_layout()) - len(PLAIN)  # one masked box per secret field
    assert not [v for v in PLAIN if v in snapshot_to_html(page.snapshot, secret_nodes=page.secrets)]
    shown = snapshot_to_html(page.snapshot, show_values=True, secret_nodes=page.secrets)
    assert all(v in shown for v in PLAIN)  # the control: the preference shows plain values
    # without the importer's mutation knowledge the fields made secret later would be in clear: the renderer
    # needs it (this is what secret_nodes carries)
    bare = snapshot_to_html(page.snapshot, show_values=True)
    assert "Sx-late-type-R6-before" in bare and "Sx-late-ancestor-R8-before" in bare
    for show in (False, True):
        boxes, _h = wireframe_boxes(page.snapshot, 800, show_values=show, secret_nodes=page.secrets)
        assert not _leaks(" ".join(b.label for b in boxes))


def test_a_field_toggled_back_or_removed_and_re_added_stays_secret() -> None:
    """"Show password" eye icons toggle type back to text; a framework may also re-add the node as text."""
    from rrweb_factory import T0, el, inc

    from replaylens.io.rrweb.mapping import map_events
    from replaylens.model.report import ImportReport

    body = el(7, "body", {}, [el(8, "input", {"type": "text", "name": "answer"}), el(9, "input", {"id": "plain"})])
    snap = {"type": 0, "id": 1, "childNodes": [el(3, "html", {}, [body])]}
    events = [
        {"type": 4, "timestamp": T0, "data": {"href": "https://bank.example/", "width": 800, "height": 600}},
        {"type": 2, "timestamp": T0 + 1, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}}},
        inc(100, 5, id=8, text="Sx-t1", isChecked=False),
        inc(200, 0, adds=[], removes=[], texts=[], attributes=[{"id": 8, "attributes": {"type": "password"}}]),
        inc(300, 5, id=8, text="Sx-t2", isChecked=False),
        inc(400, 0, adds=[], removes=[], texts=[], attributes=[{"id": 8, "attributes": {"type": "text"}}]),
        inc(500, 5, id=8, text="Sx-t3", isChecked=False),
        inc(600, 0, texts=[], attributes=[], removes=[{"parentId": 7, "id": 8}],
            adds=[{"parentId": 7, "nextId": None, "node": el(8, "input", {"type": "text", "name": "answer"})}]),
        inc(700, 5, id=8, text="Sx-t4", isChecked=False),
        inc(800, 5, id=9, text="plain-ok", isChecked=False),
    ]
    table = map_events(events, None, ImportReport()).table
    assert [v for v in table.column("value").to_pylist() if v is not None] == ["plain-ok"]


def test_selects_textareas_and_contenteditable_are_masked_by_default() -> None:
    from rrweb_factory import el, text

    snap = {"type": 0, "childNodes": [el(2, "body", {}, [
        el(3, "select", {"value": "de"}, [el(4, "option", {"value": "fr"}, [text(5, "France")]),
                                          el(6, "option", {"value": "de", "selected": True}, [text(7, "Germany")])]),
        el(8, "textarea", {}, [text(9, "Dear support, my IBAN is")]),
        el(10, "div", {"contenteditable": "true"}, [text(11, "draft message")]),
        el(12, "p", {}, [text(13, "Choose a country")]),
    ])]}
    masked = snapshot_to_html(snap)
    for word in ("Germany", "France", "IBAN", "draft", 'value="de"'):
        assert word not in masked, word
    assert "Choose a country" in masked  # page text is not input
    shown = snapshot_to_html(snap, show_values=True)
    assert all(w in shown for w in ("Germany", "IBAN", "draft message"))
    labels = " ".join(b.label for b in wireframe_boxes(snap, 400)[0])
    assert "Germany" not in labels and "IBAN" not in labels and "draft" not in labels


def test_hostile_ids_and_attributes_do_not_break_the_rule() -> None:
    from replaylens.io.rrweb.secrets import SecretNodes

    known = SecretNodes(secret=frozenset({5}), masking=frozenset())
    snap = {"type": 0, "childNodes": [
        {"type": 2, "id": [1], "tagName": "input", "attributes": {"value": "a"}},
        {"type": 2, "id": {"x": 1}, "tagName": "div", "attributes": {"class": ["rr-mask"]}},
        {"type": 2, "id": True, "tagName": "input", "attributes": {"type": None, "name": 7, "value": "b"}},
        {"type": 2, "id": 5, "tagName": "input", "attributes": {"value": "Sx-by-id"}},
    ]}
    out = snapshot_to_html(snap, show_values=True, secret_nodes=known)
    assert 'value="a"' in out and "Sx-by-id" not in out
    assert isinstance(wireframe_boxes(snap, 400, secret_nodes=known), tuple)
    assert not secrets.is_secret("input", {"type": None, "autocomplete": 3, "name": ["pin"], "class": {"a": 1}})


def _rgb(png: bytes) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)


def test_rendered_page_shows_every_secret_field_as_a_masked_box(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        rgb = _rgb(zf.read("pages/000.png")).astype(int)
    lo = np.min(HATCH, axis=0) - 8
    hi = np.max(HATCH, axis=0) + 8
    plain = {nid for nid, _a, _v in PLAIN_FIELDS}
    for nid, row, _value in secret_page_layout():
        y, x = field_top(row), FIELD_LEFT
        inside = rgb[y + 3:y + FIELD_H - 3, x + 3:x + FIELD_W - 3]
        masked = bool(np.all((inside >= lo) & (inside <= hi)))
        if nid in plain:  # the control (rendered with the preference on): its text is drawn, dark glyph pixels
            assert not masked and inside.min() < 100, nid
        else:
            assert masked, f"field {nid}: pixels outside the masked box's colours (text drawn?)"
            assert np.abs(inside - np.array(HATCH[0])).max(axis=2).min() <= 8  # the stripes are there


def test_clip_frames_show_secret_fields_masked(bundle: Path, tmp_path: Path) -> None:
    import av

    from replaylens.export.video import export_clip
    from replaylens.io.registry import open_session

    s = open_session(bundle)
    try:
        res = export_clip(s, tmp_path / "c.mp4", 4000, 4600, size=(800, 900), fps=5, trail_s=0, caption=False)
    finally:
        s.close()
    with av.open(str(res.path)) as c:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(c.streams.video[0])]
    assert frames and frames[0].shape == (900, 800, 3)  # the 800x900 viewport at 1:1
    plain = {nid for nid, _a, _v in PLAIN_FIELDS}
    for f in frames:
        for nid, row, _value in secret_page_layout():
            if row < 3:
                continue  # the cursor and the typing badge (length only) sit over the first rows
            y, x = field_top(row), FIELD_LEFT
            inside = f[y + 4:y + FIELD_H - 4, x + 4:x + FIELD_W - 4]
            if nid in plain:
                assert inside.min() < 100, nid  # the control: glyphs are drawn and survive encoding
            else:
                assert inside.min() > 140, nid  # the masked box: no glyph anywhere

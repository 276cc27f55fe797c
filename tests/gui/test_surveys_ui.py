"""Survey answers in the GUI: the Library shows answer columns and facets (ticking one filters), a session
opened from the Library carries its answers on the timeline at the moment they were given, and the mapping
dialog for an unknown CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from library_synth import T0, build, sid

from replaylens.io.surveys import import_file
from replaylens.store.library import open_library
from replaylens.ui.library.survey_dialog import MappingDialog
from replaylens.ui.library.window import LibraryWindow

N = 30
Q = "What stopped you from staking today?"


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture
def lib_root(tmp_path: Path) -> Path:
    root = build(tmp_path / "library", N)
    items = []
    for i, (answer, offset) in {2: ("Unclear ID requirements", 5_000), 4: ("Fees too high", 20 * 60_000),
                                6: ("Fees too high", 3_000)}.items():
        start = T0 + i * 60_000
        items.append({"token": f"t{i}", "response_id": f"t{i}", "submitted_at": _iso(start + offset),
                      "hidden": {"session_id": sid(i)},
                      "answers": [{"field": {"id": "f1", "ref": "stop"}, "type": "choice",
                                   "choice": {"label": answer}}]})
    doc = {"items": items, "fields": [{"id": "f1", "title": Q, "ref": "stop"}]}
    (tmp_path / "typeform.json").write_text(json.dumps(doc), encoding="utf-8")
    with open_library(root) as lib:
        assert import_file(lib, tmp_path / "typeform.json").added == 3
    return root


def _settle(qtbot, w: LibraryWindow) -> None:
    qtbot.waitUntil(lambda: not w.worker.busy and w.model.counted, timeout=20_000)


def test_library_shows_answers_as_columns_and_facets(qtbot, lib_root: Path) -> None:
    lib = open_library(lib_root)
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    _settle(qtbot, w)
    keys = [c.key for c in w.model.columns]
    assert f"attr:answer:{Q}" in keys  # shown by default
    col = next(c for c in w.model.columns if c.key == f"attr:answer:{Q}")
    assert col.label == Q
    assert w.facets.value_count(f"answer:{Q}", "Fees too high") == 2
    assert w.facets.value_count("answered", "yes") == 3
    w.facets.toggle(f"answer:{Q}", "Unclear ID requirements")
    qtbot.waitUntil(lambda: w.model.counted and w.model.rowCount() == 1, timeout=20_000)
    _settle(qtbot, w)
    assert w.model.session_id(0) == sid(2)
    assert w.model.row_values(0)[f"attr:answer:{Q}"] == "Unclear ID requirements"
    w.shutdown()
    lib.close()


@pytest.fixture(scope="module")
def bundle_lib(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, int, int]]]:
    """Three demo bundles imported into a library; two of them answered a survey (during / 20 min after)."""
    from replaylens.demo.generate import generate
    from replaylens.io.library import ingest

    base = tmp_path_factory.mktemp("survey-gui")
    paths = [g.path for g in generate(base / "bundles", sessions=3, rich=False)]
    root = base / "library"
    with open_library(root) as lib:
        ingest(lib, paths, workers=0)
        sessions = sorted((r["id"], int(lib.session(r["id"])["summary"]["start_epoch_ms"]), int(r["duration_ms"]))
                          for r in lib.sessions_json())
    items = []
    for (s, start, dur), (answer, at) in zip(sessions, (("Unclear ID requirements", 5_000),
                                                        ("Fees too high", None)), strict=False):
        when = start + (at if at is not None else dur + 20 * 60_000)
        items.append({"token": s, "response_id": s, "submitted_at": _iso(when), "hidden": {"session_id": s},
                      "answers": [{"field": {"id": "f1", "ref": "stop"}, "type": "choice",
                                   "choice": {"label": answer}}]})
    (base / "tf.json").write_text(json.dumps({"items": items, "fields": [{"id": "f1", "title": Q}]}))
    with open_library(root) as lib:
        assert import_file(lib, base / "tf.json").matches["session_id"] == 2
    return root, sessions


def test_timeline_shows_the_answer_when_opened_from_the_library(window, qtbot, bundle_lib) -> None:
    root, sessions = bundle_lib
    lw = window.library_ctl.open_library(root, ask_to_create=False)
    assert lw is not None
    _settle(qtbot, lw)
    (s0, _, _), (s1, _, d1), (s2, _, _) = sessions
    for s, at, words in ((s0, 5_000, "at 00:05"), (s1, d1, "20 min after the recording ended")):
        window.library_ctl.open_session(s)
        qtbot.waitUntil(lambda s=s: window.library_ctl.current == s and bool(window.timeline.answer_labels),
                        timeout=30_000)
        labels = window.timeline.answer_labels
        assert len(labels) == 1 and words in labels[0] and "Typeform" in labels[0], labels
        assert "matched by session id" in labels[0]
        spots = [it for it in window.timeline._answer_items if hasattr(it, "points")]
        assert [round(p.pos().x()) for p in spots[0].points()] == [at]
    window.library_ctl.open_session(s2)  # no answers: the row is empty again
    qtbot.waitUntil(lambda: window.library_ctl.current == s2, timeout=30_000)
    assert window.timeline.answer_labels == []
    window.library_ctl.close_library()


def test_mapping_dialog_guesses_and_checks(qtbot, tmp_path: Path) -> None:
    d = MappingDialog(tmp_path / "x.csv", ["Session", "When", "Question", "Answer", "Extra"])
    qtbot.addWidget(d)
    assert d.mapping() == {"session_id": "Session", "submitted_at": "When", "question": "Question",
                           "answer": "Answer"}
    from PySide6.QtWidgets import QDialogButtonBox

    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    for key in ("session_id", "submitted_at"):
        d.combos[key].setCurrentIndex(0)
    assert not ok.isEnabled() and "session id" in d.problem.text()
    d.combos["user_id"].setCurrentIndex(d.combos["user_id"].findData("Extra"))
    d.combos["answer"].setCurrentIndex(0)
    assert not ok.isEnabled() and "Answer column" in d.problem.text()

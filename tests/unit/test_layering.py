"""Layering rules import-linter cannot express (it sees PySide6 as one package): the off-screen renderers in
render/, export/ and demo/ draw with QtGui on QImages and never touch widgets, so exports work without a display."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app" / "replaylens"
NO_WIDGETS = ("render", "export", "demo", "io", "model", "core")
ALLOWED = {"render/qt.py"}  # page capture needs a QApplication (QWebEngineView is a widget): the one exception


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_widgets_outside_ui() -> None:
    offenders = []
    for pkg in NO_WIDGETS:
        for path in sorted((APP / pkg).rglob("*.py")):
            rel = path.relative_to(APP).as_posix()
            if rel in ALLOWED:
                continue
            bad = {m for m in _imports(path) if m.startswith(("PySide6.QtWidgets", "pyqtgraph"))}
            if bad:
                offenders.append(f"{rel}: {sorted(bad)}")
    assert not offenders, offenders


def test_the_check_sees_imports() -> None:
    assert "PySide6.QtWidgets" in _imports(APP / "ui" / "main_window.py")


def test_widgets_in_render_only_for_page_capture() -> None:
    """Page capture is the one widget user in render/: the QApplication bootstrap and the hidden QWebEngineView."""
    users = set()
    for path in sorted((APP / "render").rglob("*.py")):
        if {m for m in _imports(path) if m.startswith(("PySide6.QtWidgets", "PySide6.QtWebEngineWidgets"))}:
            users.add(path.relative_to(APP).as_posix())
    assert users == {"render/qt.py", "render/page/capture.py"}, users

"""GUI tests run offscreen with settings isolated in a temporary folder."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> None:
    QCoreApplication.setOrganizationName("ReplayLensTests")
    QCoreApplication.setApplicationName("Replay Lens Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))


@pytest.fixture
def window(qtbot: object, isolated_settings: None):
    from replaylens.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1280, 860)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.show()
    yield w
    w.pause()
    w.loader.cancel()
    w.loader.wait()


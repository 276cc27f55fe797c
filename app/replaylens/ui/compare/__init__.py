"""The comparison views of issue 18 over the Library window's current segment: Compare (two groups' heatmaps of
a page and their tested difference), Funnel (bars per step per group; click a drop-off for its sessions) and
A/B test, and (issue 29) Clicks vs conversion and Sampling bias. ``attach(library_window)`` adds the
Analyse menu; the first three views can export the PDF comparison report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction

if TYPE_CHECKING:
    from replaylens.ui.library.window import LibraryWindow

VIEWS = (("Compare two groups…", "compare", "Ctrl+Shift+C"), ("Funnel…", "funnel", "Ctrl+Shift+F"),
         ("A/B test…", "abtest", "Ctrl+Shift+B"), ("Clicks vs conversion…", "clicks", "Ctrl+Shift+K"),
         ("Sampling bias…", "bias", "Ctrl+Shift+P"))


def open_view(w: LibraryWindow, which: str) -> Any:
    """Open a view over the window's current segment (its facet ticks, search and saved segment)."""
    seg = w.current_segment()
    name = w.segments.currentData()
    if which == "compare":
        from replaylens.ui.compare.compare_view import CompareView

        view: Any = CompareView(w.library, seg, name, parent=w)
    elif which == "funnel":
        from replaylens.ui.compare.funnel_view import FunnelView

        view = FunnelView(w.library, seg, name, parent=w)
        view.open_session_at.connect(w.open_at_requested)
    elif which == "abtest":
        from replaylens.ui.compare.abtest_view import ABTestView

        view = ABTestView(w.library, seg, name, parent=w)
    elif which in ("clicks", "bias"):
        from replaylens.ui.compare.bias_view import BiasView
        from replaylens.ui.compare.clicks_view import ClicksView

        view = (ClicksView if which == "clicks" else BiasView)(w.library, seg, name, parent=w)
    else:
        raise ValueError(f"no view {which!r}")
    w.analysis_views.append(view)
    view.destroyed.connect(lambda _o=None, v=view: _forget(w.analysis_views, v))
    view.show()
    view.raise_()
    return view


def _forget(views: list[Any], view: Any) -> None:
    if view in views:
        views.remove(view)


def attach(w: LibraryWindow) -> None:
    """The Analyse menu of the Library window."""
    menu = w.menuBar().addMenu("&Analyse")
    menu.setObjectName("analyse_menu")
    for text, which, keys in VIEWS:
        act = QAction(text, w)
        act.setObjectName(f"act_{which}")
        act.setShortcut(keys)
        act.setToolTip("Works on the sessions the Library window shows now (its filters and segment)")
        act.triggered.connect(lambda _c=False, k=which: open_view(w, k))
        menu.addAction(act)

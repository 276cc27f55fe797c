"""The Compare view: two groups of the segment (an attribute and two of its values, with their session counts), a
page, a map kind and a device class; A's map, B's map and the tested difference side by side, n for each side,
the small-sample warning, the plain sentence, and the clicked elements whose click share differs.

Everything is computed by ``analysis.heatmaps.library.compare`` and drawn by the export renderers, in a worker
thread; the view only shows images and text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replaylens.analysis.heatmaps.library import Comparison
from replaylens.model.segment import Segment
from replaylens.model.vocabulary import NONE, none_label
from replaylens.ui.compare import meta
from replaylens.ui.compare.common import PLAIN, WARN, AnalysisWindow, ImageView, export_pdf_after_audit, zoom_buttons
from replaylens.ui.geometry import fit_to_screen
from replaylens.ui.jobs import LatestJob

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

KINDS = (("Clicks", "click"), ("Pointer movement (where it rests)", "move"), ("Scroll reach", "scroll"),
         ("Attention (time on screen)", "attention"))


@dataclass(frozen=True)
class Rendered:
    comparison: Comparison
    images: tuple[QImage, QImage, QImage]
    screenshot: bytes | None
    device: str | None


def compute(library: LibraryStore, segment: Segment, by: str, a: str, b: str, page: str, kind: str,
            device: str | None, anchor: str | None = None) -> Rendered:
    """In the worker: the comparison and its three pictures (``anchor="element"``: clicks anchored to elements)."""
    from replaylens.analysis.heatmaps.library import compare
    from replaylens.render.heatmap import base_image, blend, render
    from replaylens.render.heatmap_compare import diff_overlay
    from replaylens.render.image import to_qimage

    c = compare(library, segment, by, a, b, page, kind, device=device, anchor=anchor if kind == "click" else None)
    shot = meta.screenshot(library, c.map_a.extra.get("screen"))
    base, _ = base_image(c.map_a, shot)
    h, w = base.shape[:2]
    diff = blend(base, diff_overlay(c, w, h))
    imgs = (to_qimage(render(c.map_a, shot)), to_qimage(render(c.map_b, shot)), to_qimage(diff))
    return Rendered(c, imgs, shot, device)


class _Panel(QWidget):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600; font-size: 14px;")
        self.view = ImageView()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        lay.addLayout(zoom_buttons(self.view))


class CompareView(AnalysisWindow):
    def __init__(self, library: LibraryStore, segment: Segment, segment_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(library, segment, segment_name, "Compare two groups", parent)
        self.setObjectName("compare_view")
        self.facets: dict[str, list[tuple[str, int]]] = {}
        self.result: Rendered | None = None
        self.by, self.a, self.b = QComboBox(), QComboBox(), QComboBox()
        self.page, self.kind, self.device = QComboBox(), QComboBox(), QComboBox()
        self.page.setEditable(True)
        self.page.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # typed text is a pattern, not a new choice
        self.page.setToolTip("A page path (/kyc), a glob (/earn/*) or several separated by |")
        self.page.setMinimumContentsLength(28)
        for label, key in KINDS:
            self.kind.addItem(label, key)
        for c in (self.by, self.a, self.b):
            c.setMinimumContentsLength(16)
        self.go = QPushButton("Compare")
        self.go.setDefault(True)
        self.go.clicked.connect(self.request)
        self.pdf = QPushButton("Export PDF…")
        self.pdf.setEnabled(False)
        self.pdf.clicked.connect(self.export_pdf)
        form1, form2 = QFormLayout(), QFormLayout()
        form1.addRow("Split sessions by", self.by)
        form1.addRow("Group A", self.a)
        form1.addRow("Group B", self.b)
        form2.addRow("Page", self.page)
        form2.addRow("Map", self.kind)
        form2.addRow("Device", self.device)
        self.anchor = QCheckBox("Anchor clicks to elements")
        self.anchor.setObjectName("anchor")
        self.anchor.setToolTip("Draw each click at the same spot of its element's box at the reference width, so "
                               "sessions at different widths land on the same element (click maps)")
        form2.addRow("", self.anchor)
        buttons = QVBoxLayout()
        buttons.addWidget(self.go)
        buttons.addWidget(self.pdf)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(form1, 1)
        top.addLayout(form2, 1)
        top.addLayout(buttons)
        self.root.addLayout(top)
        self.root.addWidget(self.jobs)
        self.root.addWidget(self.error)

        self.n_label = QLabel("")
        self.n_label.setObjectName("n_label")
        self.n_label.setStyleSheet("font-size: 14px;")
        self.warning = QLabel("")
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARN)
        self.warning.hide()
        self.sentence = QLabel("Pick two groups and a page.")
        self.sentence.setObjectName("sentence")
        self.sentence.setWordWrap(True)
        self.sentence.setStyleSheet(PLAIN + "font-weight: 600;")
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.root.addWidget(self.n_label)
        self.root.addWidget(self.warning)
        self.root.addWidget(self.sentence)
        self.panels = [_Panel("Group A"), _Panel("Group B"), _Panel("Difference")]
        maps = QSplitter(Qt.Orientation.Horizontal)
        for p in self.panels:
            maps.addWidget(p)
        self.elements = QTableWidget(0, 5)
        self.elements.setObjectName("elements")
        self.elements.setHorizontalHeaderLabels(["Clicked element", "Group A clicked", "Group B clicked",
                                                 "Difference", "Reliable? (p after correction)"])
        self.elements.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.elements.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.elements.verticalHeader().hide()
        self.elements_caption = QLabel("")
        self.elements_caption.setWordWrap(True)
        table = QWidget()
        tl = QVBoxLayout(table)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.elements_caption)
        tl.addWidget(self.elements, 1)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(maps)
        body.addWidget(table)
        body.setStretchFactor(0, 4)
        body.setStretchFactor(1, 1)
        self.root.addWidget(body, 1)

        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.request)
        self._typed = False  # the page box holds a typed pattern, not a listed page
        self.pages_job = LatestJob(self)
        self.pages_job.result.connect(self._pages)
        self.pages_job.error.connect(self.show_error)
        self.by.currentIndexChanged.connect(lambda _i: self._fill_values())
        for c in (self.a, self.b, self.device):
            c.currentIndexChanged.connect(lambda _i: self._groups_changed())
        self.kind.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.kind.currentIndexChanged.connect(lambda _i: self.anchor.setEnabled(self.kind.currentData() == "click"))
        self.anchor.toggled.connect(lambda _on: self._timer.start())
        self.page.activated.connect(lambda _i: self._page_picked())
        edit = self.page.lineEdit()
        assert edit is not None  # editable
        edit.returnPressed.connect(self._page_picked)
        self.meta = meta.MetaLoader(library, segment, self)
        self.meta.loaded.connect(self._meta)
        self.meta.failed.connect(self.show_error)
        fit_to_screen(self, 1500, 950)

    # -- choices ------------------------------------------------------------------------------------------------
    def _meta(self, m: meta.Meta) -> None:
        self.facets = m.facets
        self.by.blockSignals(True)
        self.sessions = m.sessions
        for key in meta.split_keys(m.facets, m.sessions):
            self.by.addItem(meta.key_label(key), key)
        pref = next((k for k in ("campaign", "variant", "user_type") if self.by.findData(k) >= 0), None)
        self.by.setCurrentIndex(max(0, self.by.findData(pref)) if pref else 0)
        self.by.blockSignals(False)
        self.device.addItem("All devices (widths mixed)", None)
        for value, n in m.facets.get("device_class", []):
            self.device.addItem(f"{value} ({n:,} sessions)", value)
        self.device.setCurrentIndex(1 if self.device.count() > 1 else 0)
        self._fill_values()

    def _fill_values(self) -> None:
        key = str(self.by.currentData())
        values = list(self.facets.get(key, []))
        rest = meta.none_count(self.facets, key, getattr(self, "sessions", 0))
        for combo, pick in ((self.a, 0), (self.b, 1)):
            combo.blockSignals(True)
            combo.clear()
            for value, n in values:
                combo.addItem(f"{value} ({n:,} sessions)", value)
            if rest:  # the sessions without the attribute: "no campaign"
                combo.addItem(f"{none_label(key)} ({rest:,} sessions)", NONE)
            combo.setCurrentIndex(min(pick, combo.count() - 1))
            combo.blockSignals(False)
        self._groups_changed()

    def _groups_changed(self) -> None:
        """Ask which pages each group showed (on the device): the page list says "A: 120 · B: 95"."""
        by, a, b = self.by.currentData(), self.a.currentData(), self.b.currentData()
        if by is None or a is None or b is None:
            return
        lib, seg, device = self.library, self.segment, self.device.currentData()
        self.pages_job.submit(lambda: meta.pages_of_groups(lib, seg, str(by), str(a), str(b), device))

    def _pages(self, rows: list[tuple[str, str, int, int]]) -> None:
        keep = self.page_pattern()
        self.page.blockSignals(True)
        self.page.clear()
        for path, title, na, nb in rows:
            self.page.addItem(f"{title + ' — ' if title else ''}{path}   (A: {na:,} · B: {nb:,} sessions)", path)
        i = self.page.findData(keep) if keep else -1
        if i >= 0:
            self.page.setCurrentIndex(i)
        elif keep and keep not in {r[0] for r in rows} and self._typed:
            self.page.setEditText(keep)
        else:
            self.page.setCurrentIndex(0)
        self.page.blockSignals(False)
        self._timer.start()

    def _page_picked(self) -> None:
        i = self.page.currentIndex()
        self._typed = not (i >= 0 and self.page.itemText(i) == self.page.currentText())
        self._timer.start()

    def page_pattern(self) -> str:
        i = self.page.currentIndex()
        text = self.page.currentText().strip()
        if i >= 0 and self.page.itemText(i) == text:
            return str(self.page.itemData(i))
        return text

    # -- computing ----------------------------------------------------------------------------------------------
    def request(self) -> None:
        by, a, b, page = self.by.currentData(), self.a.currentData(), self.b.currentData(), self.page_pattern()
        if by is None or a is None or b is None or not page:
            return
        if a == b:
            self.show_error("Group A and group B are the same value: pick two different ones.")
            return
        self.clear_error()
        kind, device, lib, seg = str(self.kind.currentData()), self.device.currentData(), self.library, self.segment
        anchor = "element" if self.anchor.isChecked() and kind == "click" else None
        self.jobs.run(f"Comparing {by} = {a} with {by} = {b} on {page}…",
                      lambda: compute(lib, seg, str(by), str(a), str(b), page, kind, device, anchor), self._shown,
                      library=lib)

    def closeEvent(self, e: Any) -> None:
        self.pages_job.cancel()
        self.pages_job.shutdown()
        self.meta.wait()
        super().closeEvent(e)

    def _shown(self, r: Rendered) -> None:
        self.result = r
        c = r.comparison
        d = c.diff
        by = str(self.by.currentData())
        titles = (f"A: {by} = {c.label_a}\nn = {d.n_a:,} sessions", f"B: {by} = {c.label_b}\nn = {d.n_b:,} sessions",
                  "Difference A − B (areas, tested)\norange: A more often · blue: B more often · grey: no reliable "
                  "difference")
        for panel, title, img in zip(self.panels, titles, r.images, strict=True):
            panel.title.setText(title)
            panel.view.set_image(img)
        self.n_label.setText(f"<b>{c.map_a.page_title or c.map_a.page_url}</b> · {c.map_a.page_url} · "
                             f"n = {d.n_a:,} ({c.label_a}) and {d.n_b:,} ({c.label_b}) sessions showed this page"
                             f"{' on ' + r.device if r.device else ''} · {d.tested:,} areas compared")
        warnings = [f"{lb}: {w}" for lb, m in ((c.label_a, c.map_a), (c.label_b, c.map_b))
                    for w in (m.extra.get("warning"), m.extra.get("anchor_note")) if w]
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings))
        self.sentence.setText(c.sentence)
        self._fill_elements(c)
        self.pdf.setEnabled(True)

    def _fill_elements(self, c: Comparison) -> None:
        rows = list(c.elements)
        self.elements.setRowCount(len(rows))
        self.elements.setHorizontalHeaderLabels(["Clicked element", f"{c.label_a} clicked", f"{c.label_b} clicked",
                                                 f"Difference ({c.label_a} − {c.label_b})",
                                                 "Reliable? (p after correction)"])
        for i, e in enumerate(rows):
            cells = [e["label"], f"{e['share_a']:.1%} ({e['clicked_a']:,} of {e['sessions_a']:,})",
                     f"{e['share_b']:.1%} ({e['clicked_b']:,} of {e['sessions_b']:,})",
                     f"{(e['share_a'] - e['share_b']) * 100:+.1f} points",
                     f"{'yes' if e['significant'] else 'no'} (p = {e['p_adjusted']:.2g})"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.elements.setItem(i, j, item)
        self.elements.resizeColumnsToContents()
        self.elements.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        reliable = sum(1 for e in rows if e["significant"])
        self.elements_caption.setText(
            f"<b>Clicked elements on this page</b> · share of each group's sessions that showed the page (on the "
            f"device chosen above) and clicked them · {reliable:,} of {len(rows):,} differ reliably after "
            "Benjamini–Hochberg" if rows else "")
        self.elements.setVisible(bool(rows))

    def export_pdf(self) -> None:
        if self.result is None:
            return
        export_pdf_after_audit(self, "comparison-report.pdf")

    def write_pdf(self, path: Any) -> None:
        from replaylens.export.compare_pdf import ReportParts, write_comparison_report

        r = self.result
        assert r is not None
        parts = ReportParts(self.library.root.name, self.segment_text, self.meta.sessions, comparison=r.comparison,
                            screenshot=r.screenshot, device=r.device)
        self.jobs.run(f"Writing {path}…", lambda: write_comparison_report(parts, path), self.pdf_written)

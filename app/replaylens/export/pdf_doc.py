"""The one PDF document helper of the three PDF writers (the session report ``export.pdf``, the comparison report
``export.compare_pdf``, the survey tally ``export.survey_pdf``): an A4 portrait QPdfWriter at ``DPI`` written
atomically, real (searchable) text, a layout cursor (``Doc``) moving down the printable rect, and the footer band
with "page n of N"."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from replaylens import __version__
from replaylens.export.output import atomic_output

DPI = 200
INK, MUTED, ACCENT = QColor("#14171f"), QColor("#5b6275"), QColor("#3b3fd8")
RULE = QColor("#d9dce4")
FOOTER_PT = 22  # the footer band's height below the body (points)


def font(pt: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


class Doc:
    """Layout helper: a cursor moving down the printable rect of the current page, in device px."""

    def __init__(self, p: QPainter, rect: QRectF) -> None:
        self.p, self.rect, self.y = p, rect, rect.top()
        self.pt = DPI / 72.0

    def text(self, s: str, pt: float, *, bold: bool = False, color: QColor = INK, gap: float = 4,
             indent: float = 0) -> None:
        self.p.setFont(font(pt, bold))
        self.p.setPen(color)
        box = QRectF(self.rect.left() + indent, self.y, self.rect.width() - indent, 1e6)
        flags = int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft)
        used = self.p.boundingRect(box, flags, s)
        self.p.drawText(box, flags, s)
        self.y += used.height() + gap * self.pt

    def rows(self, rows: list[tuple[str, str]], pt: float = 10.5, key_w: float = 120) -> None:
        for k, v in rows:
            y0 = self.y
            self.text(k, pt, color=MUTED, gap=0)
            self.y = y0
            self.text(v, pt, indent=key_w * self.pt, gap=3)

    def rule(self, gap: float = 8) -> None:
        self.y += gap * self.pt / 2
        self.p.fillRect(QRectF(self.rect.left(), self.y, self.rect.width(), 1.2 * self.pt), RULE)
        self.y += gap * self.pt / 2

    def image(self, img: QImage, max_h: float | None = None, width: float | None = None) -> None:
        w = width or self.rect.width()
        h = w * img.height() / max(img.width(), 1)
        limit = max_h if max_h is not None else self.rect.bottom() - self.y
        if h > limit:
            w, h = w * limit / h, limit
        target = QRectF(self.rect.left(), self.y, w, h)
        self.p.drawImage(target, img, QRectF(img.rect()))
        self.p.setPen(QColor("#c9ccd6"))
        self.p.drawRect(target)
        self.y += h + 8 * self.pt


class PdfDocument:
    """One open PDF: ``doc`` draws on the current page's body, ``new_page()`` starts the next one."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer, self.painter = writer, painter
        full = QRectF(writer.pageLayout().paintRectPixels(DPI))
        self.page_rect = QRectF(0, 0, full.width(), full.height())
        self.body = self.page_rect.adjusted(0, 0, 0, -FOOTER_PT * DPI / 72)
        self.doc = Doc(painter, self.body)

    def new_page(self) -> Doc:
        self.writer.newPage()
        self.doc.y = self.body.top()
        return self.doc

    def footer(self, left: str, n: int, total: int) -> None:
        """The footer band: a rule, ``left`` and "Page n of N"."""
        p, r = self.painter, self.page_rect
        p.setFont(font(8.5))
        p.setPen(MUTED)
        y = r.bottom() - 14 * DPI / 72
        band = QRectF(r.left(), y, r.width(), 14 * DPI / 72)
        p.fillRect(QRectF(r.left(), y - 3 * DPI / 72, r.width(), 0.8 * DPI / 72), RULE)
        p.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), left)
        p.drawText(band, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), f"Page {n} of {total}")


@contextmanager
def pdf_document(dest: Path, title: str) -> Iterator[PdfDocument]:
    """An A4 portrait PDF written atomically to ``dest`` (nothing there unless the block completes)."""
    from replaylens.render.qt import ensure_gui_app

    ensure_gui_app()
    with atomic_output(dest, ".pdf") as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(DPI)
        writer.setTitle(title)
        writer.setCreator(f"Replay Lens {__version__}")
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(16, 16, 16, 14), QPageLayout.Unit.Millimeter))
        p = QPainter(writer)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            yield PdfDocument(writer, p)
        finally:  # a painter left active on a dying device crashes Qt instead of raising
            p.end()


def write_pages(dest: Path, title: str, pages: Sequence[Callable[[Doc], None]], footer_left: str,
                progress: Callable[[float], None] | None = None) -> Path:
    """One page per drawer, each with the footer (``footer_left``, page n of N); ``progress(fraction)`` after
    each page. Returns ``dest``."""
    total = len(pages)
    with pdf_document(dest, title) as pdf:
        for n, draw in enumerate(pages, 1):
            draw(pdf.new_page() if n > 1 else pdf.doc)
            pdf.footer(footer_left, n, total)
            if progress:
                progress(n / total)
    return dest

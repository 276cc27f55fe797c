"""Convert an rrweb recording into a native ``.rlsession`` bundle, with rendered page screenshots.

Each page's first FullSnapshot is rendered off screen by ``replaylens.render.page.render_snapshots`` (another
module, behind a small contract). Rendering is best effort: when the renderer is missing or fails, the bundle is
written without screenshots (or with the wireframes the renderer returns) and the result says why, so the caller
can tell the user. Every PNG is checked against the bundle reader's image limits before it is written, so a
converted bundle always opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from replaylens.errors import BadInputError, CancelledError
from replaylens.io import limits as L
from replaylens.io.bundle import write_bundle
from replaylens.io.imagesize import image_size
from replaylens.io.rrweb.boxes import PageBoxes, add_box_columns, measure_ids
from replaylens.io.rrweb.reader import Loaded, Progress, load_recording
from replaylens.model.report import ImportReport

#: Bumped whenever the conversion output changes, so cached bundles are rebuilt (see io/cache.py).
#: The line ``replaylens convert --first`` prints when the first screenshots are ready (ui/render_job.py waits
#: for it).
FIRST_PREFIX = "first bundle: "
CONVERTER_VERSION = "rrweb-6"  # rrweb-2: accessible names and roles of targets; rrweb-3: one secret rule, input
#: values masked in screenshots by default; rrweb-4: DOM keyframes as page states (format 1.2); rrweb-5: element
#: boxes of click-like events (target_box_x/y/w/h); rrweb-6: the privacy policy (docs/privacy.md): typed values
#: stored as their shape, card fields by id/label length only, personal data in every text masked


@dataclass
class ConvertResult:
    path: Path
    events: int
    pages: int
    screenshots: int = 0
    wireframes: int = 0
    render_note: str | None = None  # why screenshots are missing or partial, for the user; None when all rendered
    states: int = 0  # page states (DOM keyframes) rendered
    states_seconds: float = 0.0
    report: ImportReport = field(default_factory=ImportReport)


def _cancellable(progress: Progress | None, cancel: Callable[[], bool] | None, lo: float, hi: float) -> Progress:
    def step(frac: float, msg: str) -> None:
        if cancel is not None and cancel():
            raise CancelledError("conversion cancelled")
        if progress is not None:
            progress(lo + (hi - lo) * max(0.0, min(1.0, frac)), msg)
    return step


def png_ok(png: bytes | None) -> bool:
    if not png or len(png) > L.MAX_IMAGE_BYTES:
        return False
    size = image_size(png[:256 * 1024])
    if size is None:
        return False
    _fmt, w, h = size
    return 0 < w <= L.MAX_IMAGE_WIDTH and 0 < h <= L.MAX_IMAGE_HEIGHT and w * h <= L.MAX_IMAGE_PIXELS


def render_pages(loaded: Loaded, *, timeout_s: float = 10.0, progress: Progress | None = None,
                 show_values: bool = False, boxes: PageBoxes | None = None) -> tuple[dict[str, bytes], int, str | None]:
    """Render every page with a snapshot; updates the manifest's pages. Returns (images, wireframes, note).
    Secret fields render as masked boxes, other input values masked unless ``show_values`` (io/rrweb/fields.py).
    With ``boxes``, the boxes of the elements clicked or hovered on each page are measured (io/rrweb/boxes.py)."""
    try:
        from replaylens.render import page as webrender  # lazily: the one io -> render call (pyproject.toml)
    except ImportError as exc:
        return {}, 0, f"screenshots were not rendered: the page renderer is not available ({exc})"
    pages = loaded.manifest.pages
    table = loaded.mapped.table
    page_col = table["page"].to_numpy(zero_copy_only=False) if boxes is not None and table.num_rows else None
    jobs: list[Any] = []
    for i, info in enumerate(loaded.mapped.pages):
        if info.snapshot is not None:
            ids = () if page_col is None else measure_ids(table["kind"], page_col, loaded.mapped.target_node, i)
            jobs.append(webrender.RenderJob(node=info.snapshot, width=pages[i].width or loaded.manifest.viewport_width,
                                            height=pages[i].height or loaded.manifest.viewport_height,
                                            key=f"{i:03d}", secrets=info.secrets, show_values=show_values,
                                            measure=ids))
    if not jobs:
        return {}, 0, "no page has a DOM snapshot to render"
    try:
        results = webrender.render_snapshots(jobs, timeout_s=timeout_s, progress=progress)
    except CancelledError:
        raise
    except Exception as exc:  # the renderer is another component: its failure must not lose the conversion
        return {}, 0, f"screenshots were not rendered: the renderer failed ({type(exc).__name__}: {exc})"
    images: dict[str, bytes] = {}
    wireframes, errors = 0, []
    wire_pages: list[int] = []
    for res in results:
        try:
            i = int(res.key)
        except (TypeError, ValueError):
            continue
        if not 0 <= i < len(pages):
            continue
        if res.error:
            errors.append(f"page {i}: {res.error}")
        if not png_ok(res.png):
            continue
        name = f"pages/{i:03d}.png"
        images[name] = bytes(res.png or b"")
        w = int(res.width) if 0 < int(res.width or 0) <= L.MAX_DIM else pages[i].width
        h = int(res.height) if 0 < int(res.height or 0) <= L.MAX_DIM else pages[i].height
        pages[i] = replace(pages[i], screenshot=name, width=w, height=h)
        if boxes is not None and not res.wireframe:
            boxes.add(i, 0, res.boxes)
        if res.wireframe:
            wireframes += 1
            wire_pages.append(i)
    if wire_pages:
        loaded.manifest.source["wireframe_pages"] = wire_pages
    note = None
    missing = len(jobs) - len(images)
    if missing or wireframes or errors:
        parts = [f"{len(images)} of {len(jobs)} pages rendered"]
        if wireframes:
            parts.append(f"{wireframes} as wireframes")
        if errors:
            parts.append("; ".join(errors[:3]))
        note = "screenshots: " + ", ".join(parts)
    return images, wireframes, note


def convert_rrweb(src: str | Path, out: str | Path, *, render: bool = True, timeout_s: float = 10.0,
                  progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
                  report: ImportReport | None = None, show_values: bool = False, keyframes: bool = False,
                  first_out: str | Path | None = None,
                  on_first: Callable[[Path], None] | None = None, keep_values: bool = False) -> ConvertResult:
    """Write ``out`` (a ``.rlsession`` bundle) from the recording ``src``. The input is only read.

    ``keyframes``: also render the DOM states over time (io/rrweb/keyframes.py) as page states. ``first_out``: write
    a bundle with only the first screenshots there before the keyframes are rendered and call ``on_first`` with it
    (the viewer shows it meanwhile); it is deleted once ``out`` is written. ``keep_values``: the privacy policy's
    opt-in (docs/privacy.md): typed values that are not card data or secrets are written as they are."""
    src, out = Path(src), Path(out)
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise BadInputError(src, "the output would overwrite the input recording; choose another output file")
    report = report if report is not None else ImportReport(source=str(src))
    loaded = load_recording(src, report, _cancellable(progress, cancel, 0.0, 0.4))
    images: dict[str, bytes] = {}
    wireframes, note = 0, None
    boxes = PageBoxes()
    if render:
        images, wireframes, note = render_pages(loaded, timeout_s=timeout_s, show_values=show_values,
                                                progress=_cancellable(progress, cancel, 0.4, 0.6), boxes=boxes)
    else:
        note = "screenshots were not rendered (--no-render)"
    manifest = loaded.manifest
    manifest.source["converter"] = CONVERTER_VERSION
    if render:
        manifest.source["input_values"] = "non-secret shown" if show_values else "masked"
    manifest.extra["import_report"] = report.to_json()
    table = loaded.mapped.table
    if render:  # the element boxes of the first screenshots (io/rrweb/boxes.py)
        table = add_box_columns(table, loaded.mapped.target_node, boxes)
    n_states, states_s = 0, 0.0
    if render and keyframes and images:
        from replaylens.io.rrweb.keyframes import render_states

        if first_out is not None:
            write_bundle(first_out, manifest, table, dict(images), keep_values=keep_values)
            if on_first is not None:
                on_first(Path(first_out))
        st = render_states(loaded, images, timeout_s=timeout_s, show_values=show_values,
                           progress=_cancellable(progress, cancel, 0.6, 0.9), boxes=boxes)
        table = add_box_columns(table, loaded.mapped.target_node, boxes)  # now with the keyframes' boxes
        n_states, states_s = st.rendered, st.seconds
        if st.note:
            note = f"{note}; {st.note}" if note else st.note
        manifest.source["page_states"] = st.rendered
    _cancellable(progress, cancel, 0.9, 1.0)(0.0, "writing the bundle")
    write_bundle(out, manifest, table, images, keep_values=keep_values)
    if first_out is not None:
        Path(first_out).unlink(missing_ok=True)
    _cancellable(progress, cancel, 0.9, 1.0)(1.0, "done")
    return ConvertResult(path=out, events=table.num_rows, pages=len(manifest.pages), screenshots=len(images),
                         wireframes=wireframes, render_note=note, report=report, states=n_states,
                         states_seconds=states_s)

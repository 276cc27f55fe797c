"""Synthesise what a customer does on the demo pages: human-like pointer motion, scrolling, typing, pauses,
and planted friction whose times are kept as ground truth (``Planted``) for detector tests and measurements.

Motion model: each reach is a minimum-jerk stroke (Flash & Hogan) lasting a Fitts'-law time, ending a few percent
past the target (overshoot) and followed by a short corrective stroke, with smoothed perpendicular noise, sampled
at ~60 Hz. Generation is not a hot path (it runs once to make files); it still builds strokes with numpy.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from replaylens.demo.layout import Element, PageLayout
from replaylens.model.schema import COLUMN_NAMES

FRAME_MS = 1000.0 / 60.0


@dataclass(frozen=True)
class Planted:
    """One planted friction: kind (the friction finding kind), start/end in ms, page index, target selector."""

    kind: str
    start_ms: int
    end_ms: int
    page: int
    target: str | None = None


@dataclass
class Recorder:
    rng: np.random.Generator
    pages: list[PageLayout]
    viewport: tuple[int, int]
    t: float = 0.0
    page: int = 0
    cx: float = 400.0  # pointer in viewport coordinates
    cy: float = 300.0
    scroll: float = 0.0
    pace: float = 1.0  # multiplies reading time (fidget)
    focused: Element | None = None
    planted: list[Planted] = field(default_factory=list)
    _cols: dict[str, list[object]] = field(default_factory=lambda: {c: [] for c in COLUMN_NAMES})

    # -- low level -----------------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        # the pointer starts inside the viewport (phones are narrower than the desktop default of x=400)
        self.cx = min(self.cx, self.viewport[0] / 2)
        self.cy = min(self.cy, self.viewport[1] / 2)

    @property
    def layout(self) -> PageLayout:
        return self.pages[self.page]

    @property
    def max_scroll(self) -> float:
        return float(max(0, self.layout.height - self.viewport[1]))

    def emit(self, kind: str, x: float = math.nan, y: float = math.nan, el: Element | None = None,
             **extra: object) -> None:
        row: dict[str, object] = {c: None for c in COLUMN_NAMES}
        row.update(t=int(round(self.t)), kind=kind, page=self.page, x=None if math.isnan(x) else round(x, 1),
                   y=None if math.isnan(y) else round(y, 1), scroll_x=0.0, scroll_y=round(self.scroll, 1),
                   fixed=bool(el.fixed) if el else False)
        if el is not None:
            row.update(target=el.selector, target_tag=el.tag, target_text=el.label[:120],
                       interactive=el.interactive, input_type=el.input_type, target_label=el.a11y_name[:60] or None,
                       target_role=el.a11y_role or None, target_hidden=False)
        row.update(extra)
        for c in COLUMN_NAMES:
            self._cols[c].append(row[c])

    def _flush_moves(self, xs: np.ndarray, ys: np.ndarray, ts: np.ndarray) -> None:
        for x, y, t in zip(xs.tolist(), ys.tolist(), ts.tolist(), strict=True):
            self.t = t
            self.emit("move", x, y)

    def wait(self, ms: float) -> None:
        """Time passes, the pointer rests (no events)."""
        self.t += ms

    def fidget(self, ms: float, amp: float = 25.0) -> None:
        """Reading with a hand on the mouse: slow small drifts with pauses."""
        end = self.t + ms * self.pace
        while self.t < end - 400:
            self.wait(float(self.rng.uniform(250, 900)))
            tx = float(np.clip(self.cx + self.rng.normal(0, amp), 5, self.viewport[0] - 5))
            ty = float(np.clip(self.cy + self.rng.normal(0, amp * 0.6), 70, self.viewport[1] - 5))
            self.reach(tx, ty, width=60.0, overshoot=False)
        self.t = max(self.t, end)

    def reach(self, tx: float, ty: float, width: float = 40.0, overshoot: bool = True) -> None:
        """Move the pointer to viewport point (tx, ty) along a human-like path."""
        d = math.hypot(tx - self.cx, ty - self.cy)
        if d < 1.0:
            return
        strokes = []
        if overshoot and d > 120:
            over = float(self.rng.uniform(0.03, 0.09))
            ox = tx + (tx - self.cx) * over + self.rng.normal(0, 4)
            oy = ty + (ty - self.cy) * over + self.rng.normal(0, 4)
            strokes.append((ox, oy, d))
            strokes.append((tx, ty, math.hypot(tx - ox, ty - oy)))
        else:
            strokes.append((tx, ty, d))
        for i, (sx, sy, dist) in enumerate(strokes):
            mt = 120 + 140 * math.log2(dist / max(width, 8.0) + 1) + (0 if i == 0 else 60)
            n = max(3, int(mt / FRAME_MS))
            tau = np.linspace(0, 1, n + 1)[1:]
            s = 10 * tau**3 - 15 * tau**4 + 6 * tau**5
            px = self.cx + (sx - self.cx) * s
            py = self.cy + (sy - self.cy) * s
            ang = math.atan2(sy - self.cy, sx - self.cx) + math.pi / 2
            bow = self.rng.normal(0, 0.04) * dist * np.sin(np.pi * tau)
            jitter = np.convolve(self.rng.normal(0, 1.2, n + 4), np.ones(5) / 5, mode="valid")[:n]
            px = px + (bow + jitter) * math.cos(ang)
            py = py + (bow + jitter) * math.sin(ang)
            ts = self.t + np.cumsum(FRAME_MS + self.rng.normal(0, 1.5, n).clip(-4, 4))
            self._flush_moves(px, py, ts)
            self.cx, self.cy = float(sx), float(sy)
            if i == 0 and len(strokes) > 1:
                self.wait(float(self.rng.uniform(60, 140)))

    # -- page level ----------------------------------------------------------------------------------------------
    def navigate(self, page: int, load_ms: float = 600.0) -> None:
        if self.focused is not None:
            self.emit("blur", el=self.focused)
            self.focused = None
        self.wait(load_ms * float(self.rng.uniform(0.7, 1.4)))
        self.page = page
        self.scroll = 0.0
        self.emit("navigate", width=self.viewport[0], height=self.viewport[1],
                  detail=json.dumps({"url": self.layout.url, "title": self.layout.title}))

    def scroll_to(self, target: float, speed: float = 1.6) -> None:
        """Wheel scrolling in ticks every ~50 ms, eased, the pointer staying where it is in the viewport."""
        target = float(np.clip(target, 0, self.max_scroll))
        dist = target - self.scroll
        if abs(dist) < 1:
            return
        n = max(2, int(abs(dist) / (speed * 50)))
        s = np.sin(np.linspace(0, np.pi / 2, n + 1)[1:])
        start = self.scroll
        for v in (start + dist * s).tolist():
            self.t += float(self.rng.uniform(40, 70))
            self.scroll = v
            self.emit("scroll", scroll_y=round(v, 1))

    def ensure_visible(self, el: Element) -> None:
        if el.fixed:
            return
        top, bottom = self.scroll + 80, self.scroll + self.viewport[1] - 40
        if el.y < top or el.y + el.h > bottom:
            self.scroll_to(el.cy - self.viewport[1] * float(self.rng.uniform(0.35, 0.55)))
            self.wait(float(self.rng.uniform(200, 500)))

    def point_on(self, el: Element) -> tuple[float, float]:
        """A viewport point inside ``el`` (people aim near the centre, a little left on wide elements)."""
        px = el.cx + float(np.clip(self.rng.normal(-0.08, 0.15), -0.4, 0.4)) * el.w
        py = el.cy + float(np.clip(self.rng.normal(0, 0.15), -0.35, 0.35)) * el.h
        return px, (py if el.fixed else py - self.scroll)

    def go_to(self, el: Element) -> None:
        self.ensure_visible(el)
        px, py = self.point_on(el)
        self.reach(px, py, width=min(el.w, el.h))

    def click(self, el: Element, *, respond: bool | None = None, jitter: float = 0.0) -> None:
        """Press, release, click at the pointer; an interactive target answers with a DOM mutation."""
        x = self.cx + (self.rng.normal(0, jitter) if jitter else 0.0)
        y = self.cy + (self.rng.normal(0, jitter) if jitter else 0.0)
        if self.focused is not None and self.focused is not el:
            self.emit("blur", el=self.focused)
            self.focused = None
        self.emit("down", x, y, el)
        self.t += float(self.rng.uniform(70, 130))
        self.emit("up", x, y, el)
        self.t += 1
        self.emit("click", x, y, el)
        if el.tag in ("input", "select") and self.focused is not el:
            self.emit("focus", el=el)
            self.focused = el
        if respond if respond is not None else el.interactive:
            self.t += float(self.rng.uniform(60, 220))
            self.emit("mutation", detail=json.dumps({"adds": 1, "removes": 0}))

    def type_into(self, el: Element, n: int) -> None:
        """Click the field, type n characters (only their count is recorded: the value stays masked)."""
        self.go_to(el)
        self.wait(float(self.rng.uniform(150, 450)))
        self.click(el, respond=False)
        for i in range(1, n + 1):
            self.t += float(self.rng.gamma(4.0, 45.0))
            self.emit("input", el=el, value_len=i)

    def rage(self, el: Element, n: int) -> None:
        start = self.t
        for _ in range(n):
            self.click(el, jitter=3.0)
            self.t += float(self.rng.uniform(90, 260))
        self.planted.append(Planted("rage_click", int(start), int(self.t), self.page, el.selector))

    def thrash(self, ms: float) -> None:
        """Rapid back-and-forth pointer motion (frustration)."""
        start = self.t
        end = self.t + ms
        while self.t < end:
            dx = float(self.rng.uniform(120, 260)) * (1 if self.cx < self.viewport[0] / 2 else -1)
            self.reach(float(np.clip(self.cx + dx, 10, self.viewport[0] - 10)),
                       float(np.clip(self.cy + self.rng.normal(0, 60), 80, self.viewport[1] - 10)),
                       width=200.0, overshoot=False)
        self.planted.append(Planted("thrashed_cursor", int(start), int(self.t), self.page))

    def seesaw_scroll(self, reversals: int) -> None:
        """Scrolling up and down the page looking for something (excessive scrolling)."""
        start = self.t
        lo, hi = 0.15 * self.max_scroll, 0.85 * self.max_scroll
        for i in range(reversals + 1):
            self.scroll_to(hi if i % 2 == 0 else lo, speed=3.0)
            self.wait(float(self.rng.uniform(150, 400)))
        self.planted.append(Planted("excessive_scroll", int(start), int(self.t), self.page))

    def set_visibility(self, hidden: bool) -> None:
        self.emit("visibility", detail=json.dumps({"state": "hidden" if hidden else "visible"}))

    def error(self, message: str) -> None:
        self.emit("error", detail=json.dumps({"message": message}))

    def custom(self, tag: str, **payload: object) -> None:
        self.emit("custom", detail=json.dumps({"tag": tag, "payload": payload}))

    def columns(self) -> dict[str, list[object]]:
        return self._cols

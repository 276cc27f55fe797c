"""The canonical events table: one definition for the bundle format, the DuckDB store and numpy.

Times are int64 milliseconds from the session start (``manifest.start_epoch_ms``). Coordinates are CSS pixels:
``x``/``y`` in the viewport (client) space, ``scroll_x``/``scroll_y`` the document scroll at that moment, so the
page position is ``x + scroll_x`` unless ``fixed`` says the target stays put in the viewport.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    default_sql: str  # what a missing column is filled with
    doc: str


EVENT_COLUMNS: tuple[Column, ...] = (
    Column("t", "BIGINT", "NULL", "ms from session start (required)"),
    Column("kind", "VARCHAR", "NULL", "event kind, see replaylens.core.kinds (required)"),
    Column("page", "INTEGER", "0", "index into manifest pages"),
    Column("x", "DOUBLE", "NULL", "pointer x in the viewport, CSS px"),
    Column("y", "DOUBLE", "NULL", "pointer y in the viewport, CSS px"),
    Column("scroll_x", "DOUBLE", "NULL", "document scroll x at that moment (filled forward when missing)"),
    Column("scroll_y", "DOUBLE", "NULL", "document scroll y at that moment (filled forward when missing)"),
    Column("width", "INTEGER", "NULL", "viewport width after a resize/navigate"),
    Column("height", "INTEGER", "NULL", "viewport height after a resize/navigate"),
    Column("target", "VARCHAR", "NULL", "CSS selector or label of the target element"),
    Column("target_tag", "VARCHAR", "NULL", "tag name of the target, lower case"),
    Column("target_text", "VARCHAR", "NULL", "visible text label of the target, trimmed"),
    Column("interactive", "BOOLEAN", "NULL", "target is a link/button/input/select/label/has a handler; NULL unknown"),
    Column("fixed", "BOOLEAN", "false", "target is in a fixed/sticky element: stays in viewport coordinates"),
    Column("input_type", "VARCHAR", "NULL", "type of the input for input/focus/blur (password, email, ...)"),
    Column("target_label", "VARCHAR", "NULL", "accessible name of the control a person acts on (format 1.1)"),
    Column("target_role", "VARCHAR", "NULL", "its role: button, link, textbox, editor, file, ... (format 1.1)"),
    Column("target_hidden", "BOOLEAN", "NULL", "the target is hidden from view; NULL unknown (format 1.1)"),
    Column("target_box_x", "DOUBLE", "NULL", "left of the target element's box, document CSS px, at the event's "
           "time (click-like events of rendered rrweb pages); NULL unknown"),
    Column("target_box_y", "DOUBLE", "NULL", "top of the target element's box, document CSS px; NULL unknown"),
    Column("target_box_w", "DOUBLE", "NULL", "width of the target element's box, CSS px; NULL unknown"),
    Column("target_box_h", "DOUBLE", "NULL", "height of the target element's box, CSS px; NULL unknown"),
    Column("value_len", "INTEGER", "NULL", "length of an input's value (always recorded for input events)"),
    Column("value", "VARCHAR", "NULL", "the value itself, only when the recording marked it safe"),
    Column("detail", "VARCHAR", "NULL", "JSON text: error message, custom payload, visibility state, ..."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in EVENT_COLUMNS)
REQUIRED: tuple[str, ...] = ("t", "kind")

#: Coordinates beyond this magnitude (CSS px) are treated as garbage and cleared.
MAX_ABS_COORD = 100_000.0
#: Sentinel values recorders write for "no position" (Balabit's 65535, some trackers' -1 is legal so not here).
COORD_SENTINELS: tuple[float, ...] = (65535.0,)

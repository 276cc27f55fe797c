"""Documented limits for untrusted input (see docs/format.md, "Limits"). Anything beyond is refused, not tried."""

from __future__ import annotations

MiB = 1024 * 1024
GiB = 1024 * MiB

MAX_FILE_BYTES = 4 * GiB  # a bundle or recording file on disk
MAX_MEMBERS = 10_000  # entries in a bundle
MAX_MANIFEST_BYTES = 4 * MiB
MAX_EVENTS_BYTES = 2 * GiB  # uncompressed events table
MAX_IMAGE_BYTES = 256 * MiB  # one encoded screenshot
MAX_TOTAL_BYTES = 8 * GiB  # all members, uncompressed, as declared
MAX_RATIO = 200  # uncompressed/compressed for any member over RATIO_FLOOR (zip bombs)
RATIO_FLOOR = 1 * MiB
MAX_EVENT_ROWS = 10_000_000  # rows of the events table (from the Parquet footer, before reading)
MAX_COLUMN_NESTING = 8  # nested levels of one events column (lists/structs; our columns are flat)
MAX_DECODED_BYTES = 2 * GiB  # the events table as decoded columns (estimated from the Parquet footer)
MAX_DECODE_RATIO = 50  # decoded estimate / stored Parquet bytes (measured on real tables: 5-13), past DECODE_FLOOR
DECODE_FLOOR = 16 * MiB
MAX_PAGES = 5_000
MAX_DIM = 262_144  # CSS px, any declared page dimension
MIN_VIEWPORT = 1  # CSS px, each side of a declared viewport (0×0 has no picture)
MAX_VIEWPORT = 16_384  # CSS px, each side of a declared viewport (bundle manifest, rrweb Meta and resize)
MAX_IMAGE_WIDTH = 16_384  # screenshot pixels
MAX_IMAGE_HEIGHT = 262_144
MAX_IMAGE_PIXELS = 160_000_000  # ~640 MB as RGBA; beyond this a screenshot is refused

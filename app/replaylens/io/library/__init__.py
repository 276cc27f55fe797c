"""The library sink: ingest session files into a library, and open library sessions for replay.

    from replaylens.io.library import ingest, CancelToken, default_library_dir, open_library_session

See docs/library.md for the layout, the attribute sources and the crash-safety rules.
"""

from __future__ import annotations

from replaylens.io.library.ingest import CancelToken, IngestProgress, IngestResult, find_files, ingest
from replaylens.io.library.location import LIBRARY_ENV, default_library_dir, resolve_library_dir
from replaylens.io.library.open import from_library, open_library_session, source_path

__all__ = ["LIBRARY_ENV", "CancelToken", "IngestProgress", "IngestResult", "default_library_dir", "find_files",
           "from_library", "ingest", "open_library_session", "resolve_library_dir", "source_path"]

"""Regenerate the corpus of bad session files: ``python tests/data/bad/make_corpus.py``.

Each file exercises one way a bundle can be broken or hostile; ``EXPECTED`` maps it to a fragment of the one
message the reader must give. The files are committed (small); this script documents how each was made.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).parent

EXPECTED = {
    "empty.rlsession": "the file is empty",
    "not_a_zip.rlsession": "not a session file",
    "truncated.rlsession": "corrupt or truncated",
    "no_manifest.rlsession": "no manifest.json",
    "manifest_not_json.rlsession": "not valid JSON",
    "manifest_wrong_types.rlsession": "manifest.json is invalid",
    "wrong_version.rlsession": "format version 9.0 is not supported",
    "path_traversal.rlsession": "unsafe entry name",
    "absolute_path.rlsession": "unsafe entry name",
    "zip_bomb.rlsession": "zip bomb",
    "declared_huge.rlsession": "limit",
    "absurd_image.rlsession": "megapixels",
    "not_an_image.rlsession": "not a PNG, JPEG or WebP",
    "missing_screenshot.rlsession": "which is not in the bundle",
    "missing_events.rlsession": "events table 'events.parquet' is missing",
    "corrupt_events.rlsession": "events table cannot be read",
    "events_without_time.rlsession": "no t column",
    "too_many_pages.rlsession": "more than the limit",
}


def manifest(**over: object) -> bytes:
    m = {"format": "replaylens-session", "format_version": "1.0", "session_id": "bad", "start_epoch_ms": 0,
         "viewport": {"width": 800, "height": 600},
         "pages": [{"url": "https://example.test/", "title": "x", "screenshot": None, "width": 800, "height": 600}],
         "events": {"member": "events.parquet"}}
    m.update(over)
    return json.dumps(m).encode()


def tiny_parquet(with_time: bool = True) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {"kind": ["move", "click"], "x": [1.0, 2.0], "y": [1.0, 2.0]}
    if with_time:
        cols["t"] = [0, 10]
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()


def png_header(w: int, h: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0) \
        + b"\0\0\0\0"


def bundle(members: dict[str, bytes], *, stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def build() -> dict[str, bytes]:
    good = bundle({"manifest.json": manifest(), "events.parquet": tiny_parquet()})
    out: dict[str, bytes] = {}
    out["empty.rlsession"] = b""
    out["not_a_zip.rlsession"] = b"Hello, this is not a session.\n" * 10
    out["truncated.rlsession"] = good[: len(good) // 2]
    out["no_manifest.rlsession"] = bundle({"events.parquet": tiny_parquet()})
    out["manifest_not_json.rlsession"] = bundle({"manifest.json": b"{not json", "events.parquet": tiny_parquet()})
    out["manifest_wrong_types.rlsession"] = bundle({"manifest.json": manifest(viewport={"width": "wide",
                                                                                      "height": 600}),
                                                   "events.parquet": tiny_parquet()})
    out["wrong_version.rlsession"] = bundle({"manifest.json": manifest(format_version="9.0"),
                                            "events.parquet": tiny_parquet()})
    out["path_traversal.rlsession"] = bundle({"manifest.json": manifest(), "events.parquet": tiny_parquet(),
                                             "../../evil.sh": b"rm -rf ~\n"})
    out["absolute_path.rlsession"] = bundle({"manifest.json": manifest(), "events.parquet": tiny_parquet(),
                                            "/etc/cron.d/evil": b"* * * * * root true\n"})
    out["zip_bomb.rlsession"] = bundle({"manifest.json": manifest(), "events.parquet": b"\0" * (40 << 20)})
    # a 1 KiB member whose directory entry claims ~4 GiB (both local header and central directory patched)
    raw = bytearray(bundle({"manifest.json": manifest(), "events.parquet": b"x" * 1024}, stored=True))
    name = b"events.parquet"
    for sig, size_off in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        pos = 0
        while (pos := raw.find(sig, pos)) != -1:
            name_off = 46 if sig == b"PK\x01\x02" else 30
            if raw[pos + name_off: pos + name_off + len(name)] == name:
                raw[pos + size_off: pos + size_off + 4] = struct.pack("<I", 0xFFFFFF00)
            pos += 4
    out["declared_huge.rlsession"] = bytes(raw)
    page_with = [{"url": "https://example.test/", "title": "x", "screenshot": "pages/0.png", "width": 800,
                  "height": 600}]
    out["absurd_image.rlsession"] = bundle({"manifest.json": manifest(pages=page_with),
                                           "events.parquet": tiny_parquet(),
                                           "pages/0.png": png_header(100_000, 100_000)})
    out["not_an_image.rlsession"] = bundle({"manifest.json": manifest(pages=page_with),
                                           "events.parquet": tiny_parquet(), "pages/0.png": b"<html></html>"})
    out["missing_screenshot.rlsession"] = bundle({"manifest.json": manifest(pages=page_with),
                                                 "events.parquet": tiny_parquet()})
    out["missing_events.rlsession"] = bundle({"manifest.json": manifest()})
    out["corrupt_events.rlsession"] = bundle({"manifest.json": manifest(), "events.parquet": b"PAR1garbagePAR1"})
    out["events_without_time.rlsession"] = bundle({"manifest.json": manifest(),
                                                  "events.parquet": tiny_parquet(with_time=False)})
    out["too_many_pages.rlsession"] = bundle({"manifest.json": manifest(pages=[{"url": "u"}] * 5001),
                                             "events.parquet": tiny_parquet()})
    assert set(out) == set(EXPECTED)
    return out


if __name__ == "__main__":
    for fname, data in build().items():
        (HERE / fname).write_bytes(data)
        print(f"{fname:32} {len(data):>9,} bytes")

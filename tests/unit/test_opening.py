"""The one opener (io.opening): the conversion cache is consulted before any parse, the file is hashed once per
open, and what the page pictures still need is said once (``render_to``)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rrweb_factory import recording

from replaylens.io import cache, opening, registry
from replaylens.model import digest


@pytest.fixture()
def rec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "data"))
    p = tmp_path / "in" / "rec.json"
    p.parent.mkdir()
    p.write_text(json.dumps(recording()))
    return p


@pytest.fixture()
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the rrweb reader parses and how often a file is hashed."""
    n = {"parse": 0, "hash": 0}
    readers = registry.readers()

    def counting(reader: registry.Reader) -> registry.Reader:
        def read(path: Path, report: Any, progress: Any) -> Any:
            n["parse"] += 1
            return reader.read(path, report, progress)

        return replace(reader, read=read) if reader.converts else reader

    monkeypatch.setattr(registry, "_READERS", [counting(r) for r in readers])
    real_hash = digest.file_sha256

    def hashing(path: Any, chunk: int = digest.CHUNK) -> str:
        n["hash"] += 1
        return real_hash(path, chunk)

    monkeypatch.setattr(digest, "file_sha256", hashing)
    return n


def _open(path: Path, **kw: Any) -> opening.Opened:
    return opening.open_file(path, inactivity_ms=10_000, **kw)


def test_cold_open_parses_once_hashes_once_and_asks_for_pictures(rec: Path, counts: dict[str, int]) -> None:
    o = _open(rec)
    try:
        assert counts == {"parse": 1, "hash": 1}
        assert o.session.path == rec and o.source == rec
        assert o.render_to == cache.cached_bundle_path(rec) and not o.render_to.exists()
        assert o.session.content_sha256 == o.sha256 == digest.file_sha256(rec)
        assert len(o.index.t) == len(o.session.arrays)  # the replay index comes with it
    finally:
        o.close()


def test_cache_hit_does_not_parse(rec: Path, counts: dict[str, int]) -> None:
    out = cache.convert_cached(rec, render=False)
    counts.update(parse=0, hash=0)
    o = _open(rec)
    try:
        assert counts == {"parse": 0, "hash": 1}  # the converted copy opened; the recording was never parsed
        assert o.render_to is None  # the full copy: nothing left to render
        assert o.session.path == rec and o.session.content_sha256 == digest.file_sha256(rec)
        assert any(str(out) in n for n in o.session.report.warnings)
    finally:
        o.close()


def test_early_bundle_opens_and_the_render_goes_on(rec: Path, counts: dict[str, int]) -> None:
    full = cache.convert_cached(rec, render=False)
    early = cache.first_bundle_path(full)
    shutil.move(full, early)
    counts.update(parse=0, hash=0)
    o = _open(rec)
    try:
        assert counts == {"parse": 0, "hash": 1}
        assert o.render_to == full  # the early copy shows; the full one is still to come
    finally:
        o.close()


def test_a_damaged_cache_entry_is_parsed_and_rendered_again(rec: Path, counts: dict[str, int]) -> None:
    full = cache.cached_bundle_path(rec)
    full.parent.mkdir(parents=True)
    full.write_bytes(b"PK\x03\x04 not really a zip")
    counts.update(parse=0, hash=0)
    o = _open(rec)
    try:
        assert counts == {"parse": 1, "hash": 1} and o.render_to == full
    finally:
        o.close()


def test_pictures_arriving_swap_in_without_parse_or_hash(rec: Path, counts: dict[str, int]) -> None:
    cold = _open(rec)
    sha = cold.sha256
    cold.close()
    full = cache.convert_cached(rec, render=False)
    counts.update(parse=0, hash=0)
    o = opening.open_converted(rec, full, sha256=sha, inactivity_ms=10_000)
    try:
        assert counts == {"parse": 0, "hash": 0}
        assert o.session.path == rec and o.session.content_sha256 == sha and o.render_to is None
    finally:
        o.close()


def test_a_bundle_is_hashed_once_and_needs_no_pictures(demo_bundles: list[Path], counts: dict[str, int]) -> None:
    o = _open(demo_bundles[0])
    try:
        assert counts == {"parse": 0, "hash": 1} and o.render_to is None
        assert o.session.content_sha256 == digest.file_sha256(demo_bundles[0])
    finally:
        o.close()


def test_a_library_session_uses_the_stored_digest(rec: Path, counts: dict[str, int], tmp_path: Path) -> None:
    """Its source file is unchanged: opened like a file, through the cache, and never hashed (the library knows
    the digest)."""
    cache.convert_cached(rec, render=False)
    sha = digest.file_sha256(rec)
    st = rec.stat()
    src = SimpleNamespace(path=str(rec), size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha)
    lib: Any = SimpleNamespace(root=tmp_path / "lib", source_of=lambda sid: src if sid == "s1" else None)
    counts.update(parse=0, hash=0)
    o = opening.open_library(lib, "s1", inactivity_ms=10_000)
    try:
        assert counts == {"parse": 0, "hash": 0} and o.session.content_sha256 == sha and o.render_to is None
    finally:
        o.close()
    with pytest.raises(KeyError):
        opening.open_library(lib, "nope")


def test_bad_input_is_one_message_naming_the_file(tmp_path: Path) -> None:
    from replaylens.errors import BadInputError

    missing = tmp_path / "gone.json"
    with pytest.raises(BadInputError, match=r"gone\.json"):
        _open(missing)
    junk = tmp_path / "junk.json"
    junk.write_text("hello")
    with pytest.raises(BadInputError, match=r"junk\.json"):
        _open(junk)

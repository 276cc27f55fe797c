"""``replaylens convert`` and the conversion cache: bundles that reopen with the same events; the renderer is
called through its contract (faked here, so these tests do not depend on QtWebEngine)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import types
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rrweb_factory import EXPECTED, recording
from storeutil import query

from replaylens.io import cache
from replaylens.io.registry import open_session
from replaylens.io.rrweb import convert


def _png(w: int, h: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def rec(tmp_path: Path) -> Path:
    p = tmp_path / "in" / "rec.json"
    p.parent.mkdir()
    p.write_text(json.dumps(recording()))
    return p


def test_cli_convert_no_render_round_trip(rec: Path, tmp_path: Path, untouched) -> None:
    untouched(rec)
    out = tmp_path / "out.rlsession"
    proc = subprocess.run([sys.executable, "-m", "replaylens", "convert", str(rec), "-o", str(out), "--no-render"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "2 pages" in proc.stdout and "events" in proc.stdout
    direct, bundled = open_session(rec), open_session(out)
    try:
        assert bundled.arrays.counts() == direct.arrays.counts() == EXPECTED
        assert bundled.manifest.source["format"] == "rrweb" and bundled.duration_ms == direct.duration_ms
        assert [p.url for p in bundled.pages] == [p.url for p in direct.pages]
        # the privacy policy (docs/privacy.md): a typed value is stored as its shape by default
        assert query(bundled.store, "SELECT count(*) FROM events WHERE value = '250.00'") == [(0,)]
        assert query(bundled.store, "SELECT count(*) FROM events WHERE value = '999.99'") == [(1,)]
        for col in ("t", "x", "y", "scroll_y", "target", "value_len", "interactive", "fixed"):
            q = f"SELECT {col} FROM events ORDER BY i"
            assert query(bundled.store, q) == query(direct.store, q), col
    finally:
        direct.close()
        bundled.close()


def test_cli_convert_keep_values(rec: Path, tmp_path: Path) -> None:
    out = tmp_path / "kept.rlsession"
    proc = subprocess.run([sys.executable, "-m", "replaylens", "convert", str(rec), "-o", str(out), "--no-render",
                           "--keep-values"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    bundled = open_session(out)
    try:
        assert query(bundled.store, "SELECT count(*) FROM events WHERE value = '250.00'") == [(1,)]
    finally:
        bundled.close()


def test_cli_errors(rec: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"type": 4, "data": {}, "timestamp": 1')
    proc = subprocess.run([sys.executable, "-m", "replaylens", "convert", str(bad), "-o", str(tmp_path / "o.rlsession"),
                           "--no-render"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and proc.stderr.startswith("replaylens: bad.json: ") and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "replaylens", "convert", str(rec)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2


@dataclass
class _Job:
    node: dict
    width: int
    height: int
    key: str
    secrets: Any = None  # SecretNodes of the page's snapshot segment
    show_values: bool = False
    measure: tuple[int, ...] = ()  # node ids whose element boxes to measure


@dataclass
class _Result:
    key: str
    png: bytes | None
    width: int
    height: int
    wireframe: bool
    error: str | None
    boxes: Any = None  # (k, 5) node, x, y, w, h; the fake measures nothing


def _fake_renderer(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[_Job]:
    calls: list[_Job] = []

    def render_snapshots(jobs, *, timeout_s=10.0, progress=None, allow_webengine=True):
        if fail:
            raise RuntimeError("no GPU")
        calls.extend(jobs)
        return [_Result(j.key, _png(20, 30), 1280, 2400, wireframe=(i == 1), error=None) for i, j in enumerate(jobs)]

    mod = types.ModuleType("replaylens.render.page")
    mod.RenderJob = _Job  # type: ignore[attr-defined]
    mod.render_snapshots = render_snapshots  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "replaylens.render.page", mod)
    import replaylens.render as render_pkg
    monkeypatch.setattr(render_pkg, "page", mod, raising=False)
    return calls


def test_render_contract(rec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_renderer(monkeypatch)
    res = convert.convert_rrweb(rec, tmp_path / "r.rlsession")
    assert [(c.key, c.width, c.height) for c in calls] == [("000", 1280, 800), ("001", 1000, 700)]
    assert calls[0].node["type"] == 0 and calls[0].node["id"] == 1  # the FullSnapshot's data["node"]
    assert not calls[0].show_values and 14 in calls[0].secrets.secret  # values masked; the password field is secret
    assert {10, 12} <= set(calls[0].measure) and calls[1].measure == (9,)  # the clicked elements' boxes are asked for
    assert (res.screenshots, res.wireframes) == (2, 1) and "wireframe" in (res.render_note or "")
    s = open_session(res.path)
    try:
        assert s.screenshot(0) is not None and s.screenshot(0).startswith(b"\x89PNG")
        assert (s.pages[0].width, s.pages[0].height) == (1280, 2400)
        assert s.manifest.source["wireframe_pages"] == [1]
    finally:
        s.close()


def test_renderer_failure_still_writes_bundle(rec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_renderer(monkeypatch, fail=True)
    res = convert.convert_rrweb(rec, tmp_path / "r.rlsession")
    assert res.screenshots == 0 and "renderer failed" in (res.render_note or "")
    s = open_session(res.path)
    try:
        assert s.arrays.counts() == EXPECTED and s.screenshot(0) is None
    finally:
        s.close()


def test_cache(rec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, untouched) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(data))
    untouched(rec)
    target = cache.cached_bundle_path(rec)
    assert target.parent == data / "converted" and rec.parent not in target.parents
    assert cache._CONVERTER_VERSION == convert.CONVERTER_VERSION
    steps: list[float] = []
    out = cache.convert_cached(rec, progress=lambda f, m: steps.append(f), render=False)
    assert out == target and out.is_file() and steps[-1] == 1.0
    assert sorted(p.name for p in rec.parent.iterdir()) == ["rec.json"]  # nothing beside the input
    mtime = out.stat().st_mtime_ns
    again = cache.convert_cached(rec, render=False)
    assert again == out and out.stat().st_mtime_ns >= mtime
    # same bytes elsewhere -> same entry; different bytes -> a different entry
    copy = tmp_path / "copy.json"
    copy.write_bytes(rec.read_bytes())
    assert cache.cached_bundle_path(copy) == target
    copy.write_text(json.dumps(recording()[:-1]))
    assert cache.cached_bundle_path(copy) != target
    from replaylens.errors import CancelledError
    with pytest.raises(CancelledError):
        cache.convert_cached(copy, cancel=lambda: True, render=False)
    assert not cache.cached_bundle_path(copy).exists()
    assert cache.prune(max_bytes=0, keep=out) == 0 and out.exists()


def test_bundles_of_older_converters_are_purged(rec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Older converters stored values this one masks: their cache entries are deleted on the next conversion."""
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "data"))
    first = cache.convert_cached(rec, render=False)
    old = first.parent / ("0" * 40 + ".rlsession")
    with zipfile.ZipFile(first) as zin, zipfile.ZipFile(old, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "manifest.json":
                m = json.loads(data)
                m["source"]["converter"] = "rrweb-1"
                data = json.dumps(m).encode()
            zout.writestr(name, data)
    junk = first.parent / ("1" * 40 + ".rlsession")
    junk.write_bytes(b"not a zip")
    other = tmp_path / "other.json"
    other.write_text(json.dumps(recording()[:-1]))
    second = cache.convert_cached(other, render=False)
    assert sorted(p.name for p in first.parent.glob("*.rlsession")) == sorted([first.name, second.name])


def test_cli_show_values_flag(rec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake(src, out, **kw):
        seen.update(kw)
        return types.SimpleNamespace(path=out, events=0, pages=0, screenshots=0, wireframes=0, render_note=None,
                                     report=types.SimpleNamespace(warnings=[]))

    monkeypatch.setattr(convert, "convert_rrweb", fake)
    from replaylens.cli import main

    for argv, expect in (([], False), (["--show-values"], True)):
        assert main(["convert", str(rec), "-o", str(tmp_path / "o.rlsession"), *argv]) == 0
        assert seen["show_values"] is expect


def test_data_dir_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REPLAYLENS_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "replaylens" / "converted"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert cache.cache_dir() == Path.home() / ".local" / "share" / "replaylens" / "converted"


def test_keyframes_render_after_the_pages_and_become_page_states(rec: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_renderer(monkeypatch)
    first: list[Path] = []
    res = convert.convert_rrweb(rec, tmp_path / "r.rlsession", keyframes=True, first_out=tmp_path / "f.rlsession",
                                on_first=first.append)
    assert [c.key for c in calls[:2]] == ["000", "001"]  # the first snapshots, then the keyframes
    shots = calls[2:]
    assert shots and all(":" in c.key for c in shots)
    assert all(14 in c.secrets.secret and not c.show_values for c in shots)  # the same secret rule and masking
    assert first == [tmp_path / "f.rlsession"] and not first[0].exists()  # the early bundle is gone at the end
    s = open_session(res.path)
    try:
        states = [st for p in s.pages for st in p.states]
        # the fake renderer returns its second job of each batch as a wireframe: that keyframe is left out
        assert res.states == len(states) == len(shots) - (1 if len(shots) > 1 else 0)
        assert all(0 <= st.t_ms <= s.duration_ms for st in states)
        assert all(s.load_image(st.screenshot).startswith(b"\x89PNG") for st in states)
        assert s.manifest.format_version == "1.3" and s.manifest.source["converter"] == convert.CONVERTER_VERSION
    finally:
        s.close()

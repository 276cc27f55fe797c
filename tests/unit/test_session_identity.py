"""Session identity at ingest: a known session id with new content is a new version kept beside the old one
(a reported conflict), ``--replace`` replaces it (reported), the same content is a duplicate, and the outcome does
not depend on the order of the files or of the workers finishing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from library_support import check_consistent, posthog_export

from replaylens.cli import main
from replaylens.io.library import ingest
from replaylens.io.library.identity import derived_id
from replaylens.model.digest import file_sha256 as file_digest
from replaylens.store.library import open_library


def _versions(root: Path) -> dict[str, str]:
    lib = open_library(root, create=False)
    try:
        return lib.known_versions()
    finally:
        lib.close()


def test_new_content_is_kept_beside_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = posthog_export(tmp_path / "a.json", "same-id")
    b = posthog_export(tmp_path / "b.json", "same-id", shift_ms=7)
    root = tmp_path / "lib"
    assert main(["library", "add", str(a), "--library", str(root), "--workers", "0"]) == 0
    capsys.readouterr()
    assert main(["library", "add", str(b), "--library", str(root), "--workers", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    kept = derived_id("same-id", file_digest(b), set())
    assert out["added"] == 1 and out["replaced"] == []
    assert out["conflicts"] == [{"id": "same-id", "file": str(b.resolve()), "existing_file": str(a.resolve()),
                                 "kept_as": kept}]
    assert _versions(root) == {"same-id": file_digest(a), kept: file_digest(b)}  # the old one is untouched
    # the same content again (under another name too) is a duplicate, not a third version
    (tmp_path / "c.json").write_bytes(b.read_bytes())
    assert main(["library", "add", str(b), str(tmp_path / "c.json"), "--library", str(root), "--workers", "0",
                 "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["added"], again["skipped"], again["conflicts"]) == (0, 2, [])
    # the plain output names the conflict too
    d = posthog_export(tmp_path / "d.json", "same-id", shift_ms=9)
    assert main(["library", "add", str(d), "--library", str(root), "--workers", "0"]) == 0
    text = capsys.readouterr().out
    assert "conflict" in text and "same-id" in text and derived_id("same-id", file_digest(d), set()) in text
    check_consistent(root)


def test_replace_is_explicit_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = posthog_export(tmp_path / "a.json", "rep-id")
    b = posthog_export(tmp_path / "b.json", "rep-id", shift_ms=11)
    root = tmp_path / "lib"
    assert main(["library", "add", str(a), "--library", str(root), "--workers", "0"]) == 0
    assert main(["library", "tag", "rep-id", "keep-me", "--library", str(root)]) == 0
    capsys.readouterr()
    assert main(["library", "add", str(b), "--replace", "--json", "--library", str(root), "--workers", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 0 and out["conflicts"] == []
    assert out["replaced"] == [{"id": "rep-id", "file": str(b.resolve()), "existing_file": str(a.resolve())}]
    assert _versions(root) == {"rep-id": file_digest(b)}
    lib = open_library(root, create=False)
    try:
        assert [t.value for t in lib.tags()] == ["keep-me"]  # tags are keyed by id: they stay
    finally:
        lib.close()


def _build(tmp_path: Path, name: str, files: list[Path], workers: int) -> tuple[dict[str, str], dict]:
    root = tmp_path / name
    lib = open_library(root)
    try:
        result = ingest(lib, files, workers=workers, batch_size=2)
    finally:
        lib.close()
    return _versions(root), result.to_json()


def _padded(path: Path, moves: int) -> Path:
    """The same recording with ``moves`` pointer events appended: it takes longer to read."""
    obj = json.loads(path.read_text())
    snaps = obj["data"]["snapshots"]
    t = snaps[-1]["timestamp"]
    snaps.extend({"type": 3, "timestamp": t + i, "data": {"source": 1, "positions": [
        {"x": i % 500, "y": i % 300, "id": 1, "timeOffset": 0}]}} for i in range(1, moves + 1))
    path.write_text(json.dumps(obj))
    return path


def test_deterministic_whatever_the_order(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    files = []
    for k in range(4):  # four ids, two versions each: "<k>a" (slow to read) sorts before "<k>b" (fast)
        files.append(_padded(posthog_export(src / f"{k}a.json", f"dup-{k}"), 40_000))
        files.append(posthog_export(src / f"{k}b.json", f"dup-{k}", shift_ms=k + 1))
    expected = _build(tmp_path, "seq", sorted(files), workers=0)
    assert len(expected[0]) == 8 and len(expected[1]["conflicts"]) == 4
    shuffled = files[:]
    random.Random(25).shuffle(shuffled)  # another order of the names, two workers finishing as they do
    assert shuffled != sorted(files)
    assert _build(tmp_path, "pool", shuffled, workers=2) == expected


def test_gui_import_summary_names_conflicts_and_replacements() -> None:
    from replaylens.io.library import IngestResult
    from replaylens.ui.library.ingest_job import summary

    result = IngestResult(added=1, conflicts=[{"id": "s-1", "file": "/in/b.json", "existing_file": "/in/a.json",
                                               "kept_as": "s-1~0123456789ab"}],
                          replaced=[{"id": "s-2", "file": "/in/c.json", "existing_file": "/in/d.json"}])
    head, details = summary(result)
    assert "1 kept beside a session with the same id" in head and "1 replaced" in head
    assert "b.json: session s-1 is already in the library (from a.json)" in details and "s-1~0123456789ab" in details
    assert "c.json: replaced session s-2" in details

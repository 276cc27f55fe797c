"""A save killed half-way leaves its temp file beside the sidecar; the next load or save removes it, keeps the
sidecar whole, and never removes the temp file of a writer that is still alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from replaylens.model.annotations import AnnotationSet, AnnotationStore, new_annotation
from replaylens.model.tempfiles import STALE_AFTER_S, _host, clean_stale

APP = Path(__file__).resolve().parents[2] / "app"

# A writer that saves a first version completely, then starts a ~1 MB save and stops half-way (as if the disk
# were slow) so the test can kill it there with SIGKILL.
_WRITER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import replaylens.model.annotations as am

    base = Path(sys.argv[1])
    store = am.AnnotationStore("sid", "ab" * 32, base)
    store.save(am.AnnotationSet([am.new_annotation("rect", 0, 1, 2, 3, 4, 1000, text="kept")]))
    print("saved", flush=True)

    def half_then_hang(fd, data):
        os.write(fd, data[: len(data) // 2])
        os.fsync(fd)
        print("writing", flush=True)
        time.sleep(60)

    import replaylens.model.atomic as atomic
    atomic._write_all = half_then_hang
    big = [am.new_annotation("text", 0, i, i, i + 5, i + 5, 1000, text="x" * 1000) for i in range(1000)]
    store.save(am.AnnotationSet(big))
""")


def _store(base: Path) -> AnnotationStore:
    return AnnotationStore("sid", "ab" * 32, base)


def _temps(store: AnnotationStore) -> list[Path]:
    return sorted(p for p in store.path.parent.iterdir() if p.name.endswith(".tmp"))


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.parametrize("reopen", ["load", "save"])
def test_killed_save_leaves_a_temp_file_that_the_store_removes(tmp_path: Path, reopen: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(APP)}
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "saved"
        assert proc.stdout.readline().strip() == "writing"  # half of the big save is on disk
        store = _store(tmp_path)
        (left,) = _temps(store)
        assert left.stat().st_size > 100_000
        assert f".{_host()}-{proc.pid}-" in left.name  # named after its writer
        assert clean_stale(store.path) == []  # the writer is alive: its file stays
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert _temps(store) == [left]  # the kill left it behind
    if reopen == "load":
        aset, warn = store.load()
        assert warn is None and [a.text for a in aset] == ["kept"]  # the sidecar is whole: the first version
    else:
        store.save(AnnotationSet([new_annotation("rect", 0, 1, 2, 3, 4, 1000, text="next")]))
        assert [a.text for a in store.load()[0]] == ["next"]
    assert _temps(store) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [store.path.name]


def test_only_abandoned_temp_files_of_the_sidecar_are_removed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(AnnotationSet([new_annotation("rect", 0, 1, 2, 3, 4, 1000, text="kept")]))
    name, host, old = store.path.name, _host(), time.time() - STALE_AFTER_S - 60

    def plant(file_name: str, age: float | None = None) -> Path:
        p = tmp_path / file_name
        p.write_bytes(b"{partial")
        if age is not None:
            os.utime(p, (age, age))
        return p

    gone = [
        plant(f".{name}.{host}-{_dead_pid()}-a1b2c3d4.tmp"),  # this host, writer dead: at once
        plant(f".{name}.k3j2h1g0.tmp", old),  # an older version's name (no owner), long unchanged
        plant(f".{name}.{host}-{os.getpid()}-zz.tmp", old),  # a live (maybe reused) pid, long unchanged
        plant(f".{name}.otherhost-{_dead_pid()}-q.tmp", old),  # another host, long unchanged
    ]
    kept = [
        plant(f".{name}.{host}-{os.getpid()}-live.tmp"),  # a writer that is alive, now
        plant(f".{name}.otherhost-{_dead_pid()}-r.tmp"),  # another host's writer, maybe alive: recent
        plant(f".{name}.k3j2h1g1.tmp"),  # no owner, recent
        plant(f".other-{name}.{host}-{_dead_pid()}-x.tmp"),  # another file's temp
        plant(f".{name}.{host}-{_dead_pid()}-x.partial", old),  # not one of ours: not .tmp
        plant(f"{name}.corrupt-20250101-000000", old),  # a quarantined sidecar is the user's, never removed
    ]
    aset, warn = store.load()
    assert warn is None and [a.text for a in aset] == ["kept"]
    assert not any(p.exists() for p in gone)
    assert all(p.exists() for p in kept)
    later = plant(f".{name}.{host}-{_dead_pid()}-later.tmp")
    assert [a.text for a in store.load(quarantine=False)[0]] == ["kept"]
    assert later.exists()  # a read-only caller (the CLI) changes nothing

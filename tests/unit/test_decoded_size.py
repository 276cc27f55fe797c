"""Small files, large memory: the decoded-size guards (io/parquet_guard.py for a bundle's events Parquet,
io/rrweb/budget.py for rrweb JSON) refuse before decoding, and a refused rrweb file's objects are freed before
the garbage collector resumes (io/rrweb/gc_pause.py)."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hostile_inputs import manifest_obj
from hostile_sizes import dictionary_bomb_bundle, nested_custom_rrweb
from rrweb_factory import recording

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io import parquet_guard
from replaylens.io.registry import open_session
from replaylens.io.rrweb import budget
from replaylens.io.rrweb.reader import load_recording

ROOT = Path(__file__).resolve().parents[2]


def _peak_mb(path: Path) -> tuple[str, float]:
    """Open ``path`` in a fresh process: (the error message, peak RSS in MB above the imports' baseline)."""
    script = textwrap.dedent("""
        import resource, sys
        from replaylens.errors import BadInputError
        from replaylens.io.registry import open_session
        import duckdb, pyarrow.parquet, msgspec  # the libraries a read loads anyway: the baseline
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            open_session(sys.argv[1]).close()
            msg = "opened"
        except BadInputError as exc:
            msg = str(exc)
        print(msg)
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)
    """)
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "app")}, check=True).stdout.splitlines()
    return out[0], float(out[1])


def test_dictionary_bomb_bundle_is_refused_at_a_small_peak(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.rlsession"
    bomb.write_bytes(dictionary_bomb_bundle(350_000, 1000))  # ~47 KB that decodes to 350 MB of text
    assert bomb.stat().st_size < 100_000
    message, peak = _peak_mb(bomb)
    assert "would decode to more than" in message and "bomb.rlsession" in message
    assert peak < 150, f"{peak:.0f} MB above the baseline to refuse a {bomb.stat().st_size:,}-byte file"


def test_decoded_bytes_exact_for_dictionary_text_and_capped(tmp_path: Path) -> None:
    rows = 50_000
    table = pa.table({"t": list(range(rows)), "s": pa.DictionaryArray.from_arrays(
        pa.array([i % 3 if i % 3 < 2 else None for i in range(rows)], pa.int32()), pa.array(["a" * 10, "b" * 100]))})
    f = tmp_path / "e.parquet"
    pq.write_table(table, f, use_dictionary=True)
    text = (rows // 3 + 1) * 10 + (rows // 3) * 100  # the rows pointing at the two non-null values
    measured = parquet_guard.decoded_bytes(f, 1 << 30)
    assert text <= measured <= text + 8 * rows + rows * 8 + f.stat().st_size * 2
    with pytest.raises(LimitExceededError, match="decode to more than"):
        parquet_guard.decoded_bytes(f, text // 2)


def test_delta_byte_array_text_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"t": [0, 1], "kind": ["move", "move"], "target_text": ["x" * 10, "x" * 11]}), buf,
                   use_dictionary=False, column_encoding={"target_text": "DELTA_BYTE_ARRAY", "kind": "PLAIN"})
    bundle = tmp_path / "delta.rlsession"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest_obj(screenshot=False)))
        zf.writestr("events.parquet", buf.getvalue())
    with pytest.raises(BadInputError, match="DELTA_BYTE_ARRAY"):
        open_session(bundle)


@pytest.mark.parametrize("filler", ["lists", "objects", "numbers"])
def test_nested_custom_event_is_refused_before_parsing(tmp_path: Path, filler: str) -> None:
    f = tmp_path / f"deep-{filler}.json"
    f.write_bytes(nested_custom_rrweb(depth=400, total_bytes=16_000_000, filler=filler))
    with pytest.raises(LimitExceededError, match=r"values|lists and objects"):
        load_recording(f)


def test_one_value_over_the_node_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "rec.json"
    f.write_text(json.dumps(recording()))
    load_recording(f)  # fine with the real limits
    monkeypatch.setattr(budget, "CHECK_VALUE_FROM", 0)
    monkeypatch.setattr(budget, "MAX_VALUE_NODES", 20)
    with pytest.raises(LimitExceededError, match=r"event \d+ holds about"):
        load_recording(f)


def test_a_refused_files_objects_are_freed_before_collection_resumes(tmp_path: Path) -> None:
    events = recording()
    filler = [{"type": 3, "timestamp": events[-1]["timestamp"] + i,
               "data": {"source": 3, "id": 1, "x": 0, "y": i}} for i in range(60_000)]
    f = tmp_path / "late-error.json"
    f.write_text(json.dumps([*events, *filler, {"type": 3, "timestamp": "not a time", "data": 7}]))
    gc.collect()
    before = len(gc.get_objects())
    try:
        load_recording(f)
    except BadInputError as exc:
        caught = exc  # the exception (and its traceback) still alive, as in any caller
    else:
        pytest.fail("the invalid event was not refused")
    left = len(gc.get_objects()) - before
    assert gc.isenabled()
    assert left < 5_000, f"{left:,} objects of the refused file still alive when collection resumed"
    assert "not a valid rrweb recording" in str(caught)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_tiny_gzip_recording_reserves_no_gigabyte(tmp_path: Path) -> None:
    """``GzipFile.read(cap)`` reserved the whole 1 GiB cap at once; under an address-space limit a 1 KB file then
    failed with MemoryError. Read in chunks, it needs no more than its own size."""
    import gzip

    f = tmp_path / "small.json.gz"
    f.write_bytes(gzip.compress(json.dumps(recording()).encode()))
    script = textwrap.dedent("""
        import resource, sys
        from pathlib import Path
        from replaylens.io.rrweb.containers import read_bytes
        with open("/proc/self/status") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (vm + (512 << 20), resource.RLIM_INFINITY))
        print(len(read_bytes(Path(sys.argv[1]))[0]))
    """)
    out = subprocess.run([sys.executable, "-c", script, str(f)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "app")})
    assert out.returncode == 0, out.stderr[-500:]
    assert int(out.stdout.strip()) == len(json.dumps(recording()).encode())


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "[" + "[]," * 1_000_000 + "[]]"])
def test_survey_and_attribute_json_deep_or_dense_is_refused_typed(tmp_path: Path, text: str) -> None:
    from replaylens.io.library.attributes import read_attributes_file
    from replaylens.io.surveys.reader import read_responses

    f = tmp_path / "answers.json"
    f.write_text(text)
    for read in (read_responses, read_attributes_file):
        with pytest.raises(BadInputError, match=r"nested too deeply|lists and objects|values"):
            read(f)

"""A bounded sample of the fuzzer's size cases (tests/bench/fuzz_readers.py --sizes; generators in
hostile_sizes.py), shrunk to run in a few seconds: every case opens or is refused with a typed error."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hostile_sizes import BUNDLE_SIZE_MODES, RRWEB_SIZE_MODES, bundle_size_case, rrweb_size_case

from replaylens.errors import BadInputError
from replaylens.io.registry import open_session

CASES = [("bundle", m, s) for m in BUNDLE_SIZE_MODES for s in range(3)] + \
        [("rrweb", m, s) for m in RRWEB_SIZE_MODES for s in range(3)]


@pytest.mark.parametrize(("reader", "mode", "seed"), CASES, ids=[f"{r}-{m}-{s}" for r, m, s in CASES])
def test_size_case_opens_or_is_refused_typed(tmp_path: Path, reader: str, mode: str, seed: int) -> None:
    make = bundle_size_case if reader == "bundle" else rrweb_size_case
    _mode, data = make(random.Random(seed), 0.03, mode)
    path = tmp_path / ("case.rlsession" if reader == "bundle" else "case.json")
    path.write_bytes(data)
    try:
        open_session(path).close()
    except BadInputError as exc:
        assert str(exc).startswith(path.name) and str(exc).strip()

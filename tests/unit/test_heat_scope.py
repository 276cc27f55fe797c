"""One catalogue statement per aggregate map (store._heat.page_scope) and the attention bands' fold lines
(store._reach) read with the bands: the same answers as the separate queries they replace, on both routes and for
every segment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from compare_library import KYC, LANDING, SEGMENTS, build

from replaylens.analysis.heatmaps.library import aggregate_heatmap
from replaylens.store import _reach as R
from replaylens.store import aggregate as Q
from replaylens.store.library import open_library

PAGES = (LANDING, KYC, "/kyc|/", "/nowhere")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scope") / "lib"
    build(root, 120, deposit_a=0.2, lift=0.5)
    return root


@pytest.mark.parametrize("seg", list(SEGMENTS))
def test_page_scope_is_what_the_separate_queries_say(planted: Path, seg: str) -> None:
    segment = SEGMENTS[seg]
    seen = 0
    with open_library(planted, read_only=True) as lib:
        ids = set(Q.members(lib, segment)[0])
        device_of = dict(lib.cursor().execute("SELECT session_id, device_class FROM sessions").fetchall())
        keys = lib.cursor().execute("SELECT count(DISTINCT skey) FROM cell_keys").fetchall()[0][0]
        for page in PAGES:
            for device in (None, "desktop", "mobile"):
                known = Q.page_scope(lib, segment, page, device)
                assert known.ref == Q.page_ref(lib, segment, page, device)
                pairs, params = Q._pairs_cte(lib, segment, page, device)
                found = lib.engine.execute(f"SELECT DISTINCT session_id FROM ({pairs}) v", params)
                on_page = set(found.column("session_id").to_pylist())
                assert known.on_page == len(on_page) and on_page <= ids
                assert (known.ref is None) == (known.on_page == 0)
                seen += known.on_page
                chosen = {i for i in ids if device is None or device_of[i] == device}
                assert known.every_key == (len(chosen) == keys and known.on_page > 0)  # nothing to read: False
    if seg == "all":
        assert seen > 0


@pytest.mark.parametrize("seg", list(SEGMENTS))
@pytest.mark.parametrize("route", ["fold index", "same scan", "events"])
@pytest.mark.parametrize("per_session", [False, True])
def test_band_folds_are_reach_folds(planted: Path, seg: str, route: str, per_session: bool,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    segment = SEGMENTS[seg]
    stored = route != "events"
    if route == "same scan":  # no fold index kept: the reach rows are read with the bands
        monkeypatch.setattr(R, "_FOLD_INDEX_MAX", 0)
    with open_library(planted, read_only=True) as lib:
        for page in PAGES:
            for device in (None, "desktop"):
                known = Q.page_scope(lib, segment, page, device)
                with_folds = Q.bands(lib, segment, page, device=device, per_session=per_session, stored=stored,
                                     known=known, folds=True)
                plain = Q.bands(lib, segment, page, device=device, per_session=per_session, stored=stored)
                assert plain.folds is None and with_folds.folds is not None
                for name in ("top", "bottom", "ms", "session"):
                    assert np.array_equal(getattr(with_folds, name), getattr(plain, name)), name
                assert (with_folds.sessions_on_page, with_folds.points) == (plain.sessions_on_page, plain.points)
                folds = Q.reach(lib, segment, page, device=device, stored=stored)[1]
                assert with_folds.folds.dtype == folds.dtype and np.array_equal(with_folds.folds, folds)
        kept = [k for k in lib._cache if str(k).startswith("heat:folds:")]
        drawn = any(Q.page_scope(lib, segment, page).on_page for page in PAGES)
        assert any(lib._cache[k] for k in kept) == (route == "fold index" and drawn)  # the route named ran


def test_attention_fold_line_is_the_mean_reach_fold(planted: Path) -> None:
    with open_library(planted, read_only=True) as lib:
        for unique in (False, True):
            hm = aggregate_heatmap(lib, None, LANDING, "attention", device="desktop", unique=unique)
            folds = Q.reach(lib, None, LANDING, device="desktop")[1]
            assert folds.size > 0 and hm.fold_y == float(np.mean(folds))

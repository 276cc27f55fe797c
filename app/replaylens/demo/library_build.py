"""Build the demo library: plan the sessions, act them out in a pool of processes, write bundles to
``DIR/recordings/``, the planted truth to ``DIR/planted_truth.json``, then import the bundles into the library.

Page screenshots are painted once per page × width × variant in this process and handed to the workers, which
never touch Qt. Everything is deterministic for a seed (the pool only changes the order files are written in).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from replaylens.demo.behaviour import Recorder
from replaylens.demo.generate import events_table
from replaylens.demo.layout import SITE, PageLayout, site_pages
from replaylens.demo.library_flows import FLAG, library_session
from replaylens.demo.library_truth import Params, Plan, expected, params_json, plan_sessions
from replaylens.io.bundle import write_bundle
from replaylens.io.library import IngestProgress, ingest
from replaylens.model.library import Goal
from replaylens.model.manifest import Manifest, Page
from replaylens.store.library import open_library

WIDTHS = {"desktop": (1280, 800), "desktop-wide": (1440, 900), "tablet": (820, 1180), "mobile": (390, 844)}
TRUTH_NAME = "planted_truth.json"
RECORDINGS = "recordings"
FESTIVAL = "songkran"
ImageKey = tuple[str, int, str]
_IMAGES: dict[ImageKey, bytes] = {}

GOALS = [  # how the conversions show in the events (defined in the library when its API allows)
    {"name": "signed_up", "rule": "custom event", "value": "signup_completed"},
    {"name": "kyc_completed", "rule": "custom event", "value": "kyc_submitted"},
    {"name": "deposit", "rule": "custom event", "value": "deposit_started"},
    {"name": "staked", "rule": "custom event", "value": "stake_started"},
]
COMPARISONS = [
    {"name": "deposit lift", "metric": "deposit", "split": "variant", "groups": ["A", "B"], "null": False,
     "note": "real (+8 % relative) but needs about {need:,} sessions per variant to see at 80 % power; this "
             "library has {a:,} (A) and {b:,} (B), so a test here should usually NOT find it significant"},
    {"name": "staking null", "metric": "staked", "split": "variant", "groups": ["A", "B"], "null": True,
     "note": "identical by construction: any difference found is noise"},
    {"name": "KYC null", "metric": "kyc_completed of sessions that started KYC", "split": "campaign",
     "groups": ["songkran", "organic"], "null": True, "note": "identical by construction"},
    {"name": "banner dead clicks", "metric": "clicks on the festival banner", "split": "campaign",
     "groups": ["songkran", "organic"], "null": False, "note": "campaign visitors click it about 8x as often"},
    {"name": "advanced trading hover", "metric": "hover on 'Advanced trading' without a click", "split":
     "user_type", "groups": ["new", "returning"], "null": False, "note": "new customers hover and rarely press"},
]


def site_for(plan: Plan) -> list[PageLayout]:
    pages = site_pages(WIDTHS[plan.device][0], plan.variant, festival=FESTIVAL, advanced=True)
    if plan.campaign:
        url = (f"https://app.nimbus.example/songkran?utm_campaign=songkran&utm_source={plan.utm_source}"
               "&utm_medium=social")
    else:
        url = "https://app.nimbus.example/"
    pages[0] = dataclasses.replace(pages[0], url=url)
    return pages


def act(plan: Plan) -> tuple[Recorder, list[PageLayout]]:
    """The events of ``plan`` (deterministic: its own seed)."""
    rng = np.random.default_rng(plan.seed)
    pages = site_for(plan)
    rec = Recorder(rng=rng, pages=pages, viewport=WIDTHS[plan.device])
    library_session(rec, plan)
    return rec, pages


def image_keys(plans: Iterable[Plan]) -> set[tuple[int, str]]:
    return {(WIDTHS[p.device][0], p.variant) for p in plans}


def render_images(keys: Iterable[tuple[int, str]]) -> dict[ImageKey, bytes]:
    """Paint each page once per width and variant: {(page key, width, variant): PNG}."""
    from replaylens.demo.paint import render_page

    out: dict[ImageKey, bytes] = {}
    done: dict[tuple[str, int, str], bytes] = {}
    for width, variant in sorted(keys):
        for layout in site_pages(width, variant, festival=FESTIVAL, advanced=True):
            vkey = variant if layout.key == "wallet" else "-"
            if (layout.key, width, vkey) not in done:
                done[(layout.key, width, vkey)] = render_page(layout)
            out[(layout.key, width, variant)] = done[(layout.key, width, vkey)]
    return out


def _init(images: dict[ImageKey, bytes]) -> None:
    _IMAGES.clear()
    _IMAGES.update(images)


def write_plan(args: tuple[Plan, str]) -> tuple[int, list[dict[str, Any]], int]:
    """Write one bundle (in a worker). Returns (index, planted, events)."""

    plan, out = args
    rec, pages = act(plan)
    cols = rec.columns()
    visited = {int(str(p)) for p in cols["page"]}
    images: dict[str, bytes] = {}
    meta: list[Page] = []
    for i, layout in enumerate(pages):
        name = f"pages/{i:03d}-{layout.key}.png" if i in visited else None
        if name is not None:
            images[name] = _IMAGES[(layout.key, layout.width, plan.variant)]
        meta.append(Page(url=layout.url, title=layout.title, screenshot=name, width=layout.width,
                         height=layout.height))
    vw, vh = rec.viewport
    planted = [asdict(p) for p in rec.planted]
    manifest = Manifest(session_id=plan.session_id, start_epoch_ms=plan.start_epoch_ms, pages=meta,
                        viewport_width=vw, viewport_height=vh, site=SITE, attributes=plan.attributes,
                        source={"kind": "replaylens-demo-library", "seed": plan.seed, "index": plan.index})
    manifest.extra["ground_truth"] = planted
    write_bundle(Path(out) / bundle_name(plan), manifest, events_table(cols), images)
    return plan.index, planted, len(cols["t"])


def bundle_name(plan: Plan) -> str:
    return f"nimbus-{plan.index:06d}-{plan.session_id}.rlsession"


def truth_document(plans: list[Plan], seed: int, params: Params,
                   planted: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    exp = expected(params)
    n_a = sum(p.variant == "A" for p in plans)
    comparisons = [dict(c, note=str(c["note"]).format(
        need=exp["sessions_per_variant_needed_for_deposit_lift"], a=n_a, b=len(plans) - n_a)) for c in COMPARISONS]
    fields = [f.name for f in dataclasses.fields(Plan)]
    return {
        "about": "The planted truth of a Replay Lens demo library: parameters, expected effects, the comparisons "
                 "that must come out null, and what each session was told to do.",
        "seed": seed, "sessions": len(plans), "site": SITE, "festival": FESTIVAL,
        "feature_flag": {"name": FLAG, "custom_event": "$feature_flag_called", "property": f"$feature/{FLAG}"},
        "parameters": params_json(params),
        "expected": exp,
        "goals": GOALS,
        "comparisons": comparisons,
        "null_comparisons": [c["name"] for c in comparisons if c["null"]],
        "assignment_fields": fields,
        "assignment": [{**{f: getattr(p, f) for f in fields}, "file": f"{RECORDINGS}/{bundle_name(p)}",
                        "attributes": p.attributes, "planted": planted.get(p.index, [])} for p in plans],
    }


def build_library(root: Path, sessions: int, seed: int, *, workers: int = 2,
                  progress: Callable[[int, int], None] | None = None, ingest: bool = True) -> dict[str, Any]:
    """Write ``sessions`` bundles and the truth under ``root``; import them unless ``ingest`` is False.
    Returns timings and counts."""
    t0 = time.perf_counter()
    params = Params()
    plans = plan_sessions(sessions, seed, params)
    out = root / RECORDINGS
    if ingest:
        create_library(root)
    out.mkdir(parents=True, exist_ok=True)
    images = render_images(image_keys(plans))
    t_render = time.perf_counter() - t0
    planted: dict[int, list[dict[str, Any]]] = {}
    events = 0
    jobs = [(p, str(out)) for p in plans]
    if workers > 1 and sessions > 20:
        with mp.get_context("spawn").Pool(workers, initializer=_init, initargs=(images,)) as pool:
            for i, (idx, pl, ne) in enumerate(pool.imap_unordered(write_plan, jobs, chunksize=16)):
                planted[idx], events = pl, events + ne
                if progress is not None:
                    progress(i + 1, sessions)
    else:
        _init(images)
        for i, job in enumerate(jobs):
            idx, pl, ne = write_plan(job)
            planted[idx], events = pl, events + ne
            if progress is not None:
                progress(i + 1, sessions)
    t_write = time.perf_counter() - t0 - t_render
    truth = truth_document(plans, seed, params, planted)
    (root / TRUTH_NAME).write_text(json.dumps(truth, indent=1), encoding="utf-8")
    result: dict[str, Any] = {"sessions": sessions, "events": events, "render_s": round(t_render, 2),
                              "write_s": round(t_write, 2)}
    if ingest:
        t1 = time.perf_counter()
        result["ingest"] = ingest_recordings(root, out, workers=workers if workers > 1 else 0)
        result["ingest_s"] = round(time.perf_counter() - t1, 2)
    result["total_s"] = round(time.perf_counter() - t0, 2)
    return result


# -- into the library (the library core's API) --------------------------------------------------------------

def create_library(root: Path) -> None:
    """Create the (empty) library first: the library core only makes new libraries in empty folders."""
    with open_library(root):
        pass


def ingest_recordings(root: Path, recordings: Path, workers: int = 2) -> dict[str, Any]:
    """``library add recordings`` into the library at ``root``, with the goals of the planted truth."""

    def progress(p: IngestProgress) -> None:
        if p.done % 250 == 0 or p.done == p.total:
            left = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
            print(f"  imported {p.done:,} / {p.total:,}{left}", file=sys.stderr, flush=True)

    with open_library(root) as lib:
        for g in GOALS:  # goals first: new sessions get them computed at ingest
            lib.add_goal(Goal(str(g["name"]), "event", str(g["value"])))
        result = ingest(lib, [recordings], progress=progress, workers=workers)
        out: dict[str, Any] = result.to_json()
        out["events"] = result.events
        out["sessions_in_library"] = lib.count()
    return out

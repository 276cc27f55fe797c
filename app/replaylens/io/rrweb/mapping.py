"""Map rrweb events onto Replay Lens's columnar events table (see docs/rrweb.md for the full table).

One pass over the events appends plain numbers to a few flat lists (one row per pointer position, interaction,
scroll, input, ...); nothing per row is kept as a dict. Everything after the pass is vectorised: document scroll,
viewport and page are forward-filled in time order per window, target information comes from the node map
(``nodes.NodeTable``) with one ``searchsorted`` for all rows, strings become dictionary-encoded Arrow columns.

Privacy: an input's ``value`` is kept only when the field is known from the snapshot, is not secret by the one rule
of ``io.rrweb.secrets`` (password / one-time-code / card fields, mask and ignore classes, names like ``pin``) at
any time of the recording (attribute mutations are tracked per node), and the text is not the recorder's mask
(``*****``) or card-like. Otherwise only its length is kept. A secret value is never stored.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.core import kinds as K
from replaylens.io.rrweb.columns import Mapped, PageInfo, Rows, WindowHistory, build_table
from replaylens.io.rrweb.nodes import NodeTable
from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.io.rrweb.timing import MAX_TIME_OFFSET_MS, event_times
from replaylens.model.report import ImportReport

if TYPE_CHECKING:
    from replaylens.io.rrweb.stream import PackedMoves

MOUSE_KINDS = {0: "up", 1: "down", 2: "click", 3: "contextmenu", 4: "dblclick", 5: "focus", 6: "blur",
               7: "touch_start", 8: "touch_move_departed", 9: "touch_end", 10: "touch_cancel"}
VISUAL_SOURCES = {8: "stylesheet_rule", 9: "canvas", 10: "font", 13: "style_declaration", 15: "adopted_stylesheet",
                  16: "custom_element"}
MEDIA_ACTIONS = {0: "play", 1: "pause", 2: "seeked", 3: "volume", 4: "rate"}
#: Custom events that are SPA navigations (PostHog): their ``href``/``$current_url`` becomes a page visit.
SPA_TAGS = ("$pageview", "$url_changed")
EXTRA_KINDS = ("touch_move_departed", "touch_cancel", "media", "console", "plugin", "load")
#: Longest ``detail`` JSON kept for custom/plugin/console payloads; longer payloads are cut (and say so).
MAX_DETAIL_CHARS = 2000
_HIDDEN = -1  # internal rows that only carry a scroll state (FullSnapshot initialOffset); removed after filling


def _detail(obj: dict[str, Any]) -> str:
    text = json.dumps(obj, ensure_ascii=False, default=str, separators=(",", ":"))
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    cut = {k: v for k, v in obj.items() if k not in ("payload", "message")}
    cut["truncated"] = text[:MAX_DETAIL_CHARS]
    return json.dumps(cut, ensure_ascii=False, default=str, separators=(",", ":"))


def _console(payload: Any) -> tuple[bool, dict[str, Any]]:
    """(is_error, detail) of an rrweb console log (plugin ``rrweb/console@1`` or the old Log source)."""
    p = payload if isinstance(payload, dict) else {}
    level = str(p.get("level") or "log").lower()
    msg = p.get("payload")
    msg = " ".join(str(m) for m in msg) if isinstance(msg, list) else str(msg or "")
    return level in ("error", "assert"), {"level": level, "message": msg[:MAX_DETAIL_CHARS]}


def map_events(events: list[dict[str, Any]], windows: list[str] | None, report: ImportReport, *,
               consume: bool = False, moves: PackedMoves | None = None, render: bool = True) -> Mapped:
    """Build the events table, pages and start time of one recording.

    ``consume=True`` empties ``events`` (and ``moves``) after the pass (the snapshot trees stay referenced by the
    node map and the pages), which lowers the memory peak of a large import by the size of the parsed events.
    ``moves``: the positions of pointer batches read as arrays (``io.rrweb.stream``); their events carry no
    ``positions`` and their rows are added in bulk. ``render=False`` (an import that renders no page: the
    library's ingest) leaves out what only the renderer needs: each page's and window's secret node ids (which read
    every node's attributes) and the DOM histories.
    """
    n_ev = len(events)
    times = event_times(events, report)
    if windows is not None:
        names, inv, counts = np.unique(np.asarray(windows, dtype=object).astype(str), return_inverse=True,
                                       return_counts=True)
        rank = np.argsort(-counts, kind="stable")  # window 0 = the one with most events
        remap = np.empty_like(rank)
        remap[rank] = np.arange(rank.size)
        win = remap[inv].astype(np.int32)
        window_names = [str(names[r]) for r in rank]
    else:
        win, window_names = np.zeros(n_ev, dtype=np.int32), [""]
    vocab = list(K.KNOWN_KINDS) + list(EXTRA_KINDS)
    code = {k: i for i, k in enumerate(vocab)}
    mouse_codes = {k: code[v] for k, v in MOUSE_KINDS.items()}
    nodes = NodeTable()
    rows = Rows()
    pages: list[PageInfo] = []
    page_of: dict[tuple[int, str], int] = {}
    w_page = [-1] * len(window_names)
    w_seg = [-1] * len(window_names)
    ev_page = np.empty(n_ev, dtype=np.int32)
    ev_seg = np.empty(n_ev, dtype=np.int32)
    dropped: dict[str, int] = {}
    bad_offsets = 0
    wins = win.tolist()
    tlist = times.tolist()
    MOVE, TOUCH_MOVE = code["move"], code["touch_move"]

    def new_page(w: int, href: str, t: float, ev: int, vw: Any, vh: Any) -> None:
        key = (w, href)
        if key not in page_of:
            page_of[key] = len(pages)
            ok = type(vw) in (int, float) and type(vh) in (int, float) and 0 < vw < 1e6 and 0 < vh < 1e6
            pages.append(PageInfo(href, w, width=int(vw) if ok else 0, height=int(vh) if ok else 0))
        w_page[w] = page_of[key]
        if not navs[w] or navs[w][-1][1] != w_page[w]:
            navs[w].append((t, w_page[w]))
        r = rows.add(t, code["navigate"], ev)
        rows.scroll[r] = (0, 0)
        if type(vw) in (int, float) and type(vh) in (int, float):
            rows.view[r] = (vw, vh)

    hist: list[list[tuple[float, int, Any]]] = [[] for _ in window_names]  # DOM history per window (keyframes)
    navs: list[list[tuple[float, int]]] = [[] for _ in window_names]  # (t, page) when the current page changed

    def keep(w: int, t: float, src: int, data: dict[str, Any]) -> None:
        """A change of the window's DOM after a snapshot (for keyframes, io/rrweb/keyframes.py)."""
        if w_seg[w] >= 0:
            hist[w].append((t, src, data))

    for i, e in enumerate(events):
        typ = e["type"]
        data = e.get("data")
        data = data if isinstance(data, dict) else {}
        t = tlist[i]
        w = wins[i]
        if typ == 3:
            src = data.get("source")
            if src in (1, 6, 12):
                kc = TOUCH_MOVE if src == 6 else MOVE
                for p in data.get("positions") or ():
                    if not isinstance(p, dict):
                        continue
                    off = p.get("timeOffset", 0)
                    if type(off) not in (int, float) or not -MAX_TIME_OFFSET_MS <= off <= MAX_TIME_OFFSET_MS:
                        off, bad_offsets = 0, bad_offsets + 1
                    rows.add(t + off, kc, i, p.get("x"), p.get("y"), p.get("id"))
            elif src == 2:
                mt = data.get("type")
                kc = mouse_codes.get(mt, -2) if type(mt) is int else -2
                if kc == -2:
                    name = f"mouse_interaction_{mt}"[:40]
                    kc = code.setdefault(name, len(vocab))
                    if kc == len(vocab):
                        vocab.append(name)
                rows.add(t, kc, i, data.get("x"), data.get("y"), data.get("id"))
            elif src == 3:
                nid = data.get("id")
                seg = w_seg[w]
                if (seg >= 0 and nid in nodes.doc_scroll_ids[seg]) or (seg < 0 and nid == 1):
                    r = rows.add(t, code["scroll"], i, None, None, nid)
                    rows.scroll[r] = (data.get("x"), data.get("y"))
                else:
                    r = rows.add(t, code["element_scroll"], i, None, None, nid)
                    rows.detail[r] = _detail({"x": data.get("x"), "y": data.get("y")})
                    keep(w, t, 3, data)
            elif src == 4:
                r = rows.add(t, code["resize"], i)
                rows.view[r] = (data.get("width"), data.get("height"))
            elif src == 5:
                r = rows.add(t, code["input"], i, None, None, data.get("id"))
                if isinstance(data.get("text"), str):
                    rows.text[r] = data["text"]
                if isinstance(data.get("isChecked"), bool):
                    rows.checked[r] = data["isChecked"]
                keep(w, t, 5, data)
            elif src == 0:
                first = None
                for key, idk in (("adds", "parentId"), ("texts", "id"), ("attributes", "id"), ("removes", "parentId")):
                    items = data.get(key)
                    if isinstance(items, list) and items and isinstance(items[0], dict):
                        first = items[0].get(idk)
                        break
                rows.add(t, code["mutation"], i, None, None, first)
                if w_seg[w] >= 0 and isinstance(data.get("adds"), list):
                    nodes.add_mutation_nodes(w_seg[w], data["adds"])
                if w_seg[w] >= 0 and isinstance(data.get("attributes"), list) and data["attributes"]:
                    nodes.apply_attributes(w_seg[w], data["attributes"])
                keep(w, t, 0, data)
            elif src in VISUAL_SOURCES:
                r = rows.add(t, code["mutation"], i, None, None, data.get("id"))
                rows.detail[r] = _detail({"source": VISUAL_SOURCES[src]})
                keep(w, t, src, data)
            elif src == 7:
                r = rows.add(t, code["media"], i, None, None, data.get("id"))
                mtype = data.get("type")
                action = MEDIA_ACTIONS.get(mtype, str(mtype)) if isinstance(mtype, int) else str(mtype)
                rows.detail[r] = _detail({"action": action})
            elif src == 11:
                is_err, det = _console(data)
                r = rows.add(t, code["error" if is_err else "console"], i)
                rows.detail[r] = _detail(det)
            elif src == 14:
                ranges = data.get("ranges")
                start = ranges[0].get("start") if isinstance(ranges, list) and ranges and \
                    isinstance(ranges[0], dict) else None
                rows.add(t, code["selection"], i, None, None, start)
            else:
                dropped[f"incremental source {src}"] = dropped.get(f"incremental source {src}", 0) + 1
        elif typ == 4:
            href = data.get("href")
            new_page(w, href if isinstance(href, str) else "", t, i, data.get("width"), data.get("height"))
        elif typ == 2:
            node = data.get("node")
            if not isinstance(node, dict):
                dropped["snapshot without a node tree"] = dropped.get("snapshot without a node tree", 0) + 1
            else:
                seg = w_seg[w] = nodes.new_segment(node)
                if w_page[w] < 0:
                    new_page(w, "", t, i, None, None)
                page = pages[w_page[w]]
                hist[w].append((t, -3 if page.snapshot is None else -2, node))  # a new base (first / later)
                if page.snapshot is None:
                    page.snapshot = node
                    page.segment = seg
                    page.title = nodes.title(seg)
                off = data.get("initialOffset")
                off = off if isinstance(off, dict) else {}
                r = rows.add(t, _HIDDEN, i)
                rows.scroll[r] = (off.get("left", 0), off.get("top", 0))
        elif typ == 5:
            tag, payload = data.get("tag"), data.get("payload")
            is_err = tag == "breadcrumb" and isinstance(payload, dict) and \
                str(payload.get("level", "")).lower() in ("error", "fatal")
            r = rows.add(t, code["error" if is_err else "custom"], i)
            rows.detail[r] = _detail({"tag": str(tag)[:200], "payload": payload})
            if tag in SPA_TAGS and isinstance(payload, dict):  # PostHog's SPA navigations: a page visit
                href = payload.get("href", payload.get("$current_url"))
                if isinstance(href, str) and href and (w_page[w] < 0 or pages[w_page[w]].url != href):
                    new_page(w, href, t, i, None, None)
        elif typ == 6:
            plugin = str(data.get("plugin") or "")[:100]
            if plugin.startswith("rrweb/console"):
                is_err, det = _console(data.get("payload"))
                r = rows.add(t, code["error" if is_err else "console"], i)
                rows.detail[r] = _detail(det)
            else:  # other plugins' payloads (network bodies, ...) are not kept: they may hold personal data
                r = rows.add(t, code["plugin"], i)
                rows.detail[r] = _detail({"plugin": plugin})
        elif typ in (0, 1):
            r = rows.add(t, code["load"], i)
            rows.detail[r] = _detail({"phase": "dom_content_loaded" if typ == 0 else "load"})
        else:
            name = "asset" if typ == 7 else f"event type {typ}"
            dropped[name] = dropped.get(name, 0) + 1
        ev_page[i] = w_page[w]
        ev_seg[i] = w_seg[w]
    if moves is not None and moves.n:
        ev_m, src_m, vals = moves.arrays()
        off = vals[:, 3]
        ok = np.isfinite(off) & (off >= -MAX_TIME_OFFSET_MS) & (off <= MAX_TIME_OFFSET_MS)
        bad_offsets += int(ok.size - np.count_nonzero(ok))
        rows.extend(times[ev_m] + np.where(ok, off, 0.0), np.where(src_m == 6, TOUCH_MOVE, MOVE).astype(np.int32),
                    ev_m, vals[:, 0], vals[:, 1], vals[:, 2])
        del ev_m, src_m, vals, off, ok

    for page in pages if render else ():  # after every mutation: the renderer hides what is secret at any time
        if page.segment >= 0:
            page.secrets = nodes.secret_nodes(page.segment)
    win_secrets = [SecretNodes() for _ in window_names]  # keyframes: every segment of the window (ids of
    for w, seg in np.unique(np.stack([win, ev_seg], axis=1), axis=0).tolist():  # several may collide: masks
        if seg >= 0 and hist[w] and render:  # more, the safe side)
            more, old = nodes.secret_nodes(seg), win_secrets[w]
            win_secrets[w] = SecretNodes(old.secret | more.secret, old.masking | more.masking)
    last_event_ms = float(times.max()) if n_ev else 0.0
    if consume:
        events.clear()
        if moves is not None:
            moves.clear()
        e = data = {}  # drop the last references too
    for what, n in sorted(dropped.items()):
        report.add(f"dropped_{what.replace(' ', '_')}", n, "{n} events of " + what + " were not imported")
    report.add("bad_time_offset", bad_offsets, "{n} pointer positions had an invalid timeOffset (treated as 0)")
    if nodes.too_deep:
        report.add("dom_too_deep", nodes.too_deep, "{n} snapshot nodes nested deeper than 1000 levels were not indexed")
    mapped = build_table(rows, nodes, pages, ev_page, ev_seg, win, window_names, vocab, report,
                         last_event_ms=last_event_ms)
    mapped.histories = [WindowHistory(h, n, sec) for h, n, sec in zip(hist, navs, win_secrets, strict=True)] \
        if render else []
    return mapped

"""``replaylens analyze FILE... [--json] [--preset NAME] [--set key=value]...``: friction findings per session.

Prints a table per session, or with ``--json`` one object ``{"sessions": [{"file", "duration_ms", "metrics",
"findings": [{"kind", "start_ms", "end_ms", "page", "x", "y", "target", "count", "rule", "kinds", "counts", "rules",
"title", "element", "page_name", "severity", "points"}]}]}``: times in ms from the session's first event, x/y in
page pixels, ``page`` the page URL, ``title`` the plain sentence (docs/friction.md). A bad file exits 3
(BadInputError), a bad ``--set`` or ``--preset`` exits 2. Input files are only read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

NAME = "analyze"
#: Kept in step with model.friction_settings.PRESETS (a test checks); listed here so --help imports nothing.
PRESET_NAMES = ("posthog", "openreplay", "datadog")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="find friction: rage/dead/error clicks, hesitation, abandoned forms, quick backs, "
                                  "excessive scrolling, thrashed cursor",
                       description="Find friction in session recordings (definitions: docs/friction.md).")
    p.add_argument("files", nargs="*", metavar="FILE", help="session files (.rlsession or rrweb .json)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--preset", choices=PRESET_NAMES, default="posthog",
                   help="whose definitions to use as the base (default: posthog)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one threshold, e.g. --set rage.max_gap_ms=500 (repeatable)")
    p.add_argument("--list-settings", action="store_true", help="list every KEY with its default and exit")
    p.set_defaults(run=run, _parser=p)


def _usage_error(args: argparse.Namespace, message: str) -> int:
    print(f"replaylens analyze: error: {' '.join(message.split())}", file=sys.stderr)  # one line
    return 2


def run(args: argparse.Namespace) -> int:
    from replaylens.model.friction_settings import FrictionSettings, SettingsError

    try:
        settings = FrictionSettings.preset(args.preset).with_overrides(list(args.overrides))
    except SettingsError as exc:
        return _usage_error(args, str(exc))
    if args.list_settings:
        _print_settings(settings)
        return 0
    if not args.files:
        return _usage_error(args, "give at least one FILE (or --list-settings)")

    from replaylens.analysis.findings.analyze import analyze_session
    from replaylens.io.registry import open_session

    sessions: list[dict[str, Any]] = []
    for path in args.files:
        session = open_session(path)
        try:
            analysis = analyze_session(session, settings)
            sessions.append({"file": str(path), "duration_ms": int(session.duration_ms),
                             "metrics": analysis.metrics,
                             "findings": [f.to_json() for f in analysis.findings]})
        finally:
            session.close()
        if not args.json:
            _print_table(sessions[-1])
    if args.json:
        print(json.dumps({"sessions": sessions}, indent=2))
    return 0


def _print_settings(settings: Any) -> None:
    for key, (type_name, default, doc) in settings.keys().items():
        current = settings.get(key)
        mark = "" if current == default else f"  (now {current:g})" if not isinstance(current, bool) else \
            f"  (now {str(current).lower()})"
        shown = str(default).lower() if isinstance(default, bool) else f"{default:g}"
        print(f"{key:<28} {type_name:<5} {shown:>8}{mark}  {doc}")


def _short_url(url: str, width: int = 30) -> str:
    rest = url.split("://", 1)[-1]
    rest = rest[rest.find("/"):] if "/" in rest else rest or "-"
    return rest if len(rest) <= width else rest[: width - 1] + "…"


def _cut(text: str | None, width: int) -> str:
    text = text or "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(s: dict[str, Any]) -> None:
    from replaylens.core.timefmt import fmt_ms

    m = s["metrics"]
    print(f"{s['file']}\n  duration {fmt_ms(s['duration_ms'])}  active {fmt_ms(m['active_ms'])}  "
          f"pages {m['pages']} ({m['page_visits']} visits)  clicks {m['clicks']}  "
          f"friction score {m['friction_score']}/100  (preset {m['preset']})")
    if not s["findings"]:
        print("  no friction found")
    else:
        parts = ", ".join(f"{p['title']} ({p['points']})" for p in m.get("score_parts", []))
        print(f"  score from {m.get('score_points', 0)} points: {parts}")
        print(f"  {'start':<10} {'end':<10} {'points':>6}  finding")
        for f in s["findings"]:
            xy = f"{f['x']:.0f},{f['y']:.0f}" if f["x"] is not None and f["y"] is not None else "-"
            print(f"  {fmt_ms(f['start_ms']):<10} {fmt_ms(f['end_ms']):<10} {f.get('points', 0):>6}  "
                  f"{f.get('title') or f['kind']}")
            kinds = "+".join(f"{k}×{f.get('counts', {}).get(k, f['count'])}" for k in f.get("kinds", [f["kind"]]))
            rules = "+".join(f.get("rules", {f["kind"]: f["rule"]}).values())
            print(f"  {'':<28}{kinds}  rule {rules}  at {xy} on {_short_url(f['page'])}  {_cut(f['target'], 70)}")
    for rule, why in m["not_applicable"].items():
        print(f"  not applied: {rule}: {why}")

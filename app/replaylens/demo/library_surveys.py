"""Survey answers for a demo library: ``python -m replaylens.demo.library_surveys DIR [--no-import]``.

About 40 % of the sessions answer "What stopped you from staking today?" (and, for half of them, a free-text
follow-up, some of it holding an e-mail address, a phone number or a card number the import masks). The answers
follow the planted behaviour: sessions that hesitated at KYC say "Unclear ID requirements" far more often.
Two vendor formats:

- ``surveys/typeform-responses.json`` (Typeform Responses API, with the form's ``fields`` merged in): most carry
  a hidden ``session_id``, some only a hidden ``user_id``; a few name sessions that are not in the library.
- ``surveys/hotjar-survey.csv`` (Hotjar survey export): only the time and the page URL, as Hotjar gives.

``DIR/survey_truth.json`` says, for every response, its session (null for the decoys) and how it is joinable.
Deterministic for the library's seed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from replaylens.store.library import LibraryStore, open_library

QUESTION = "What stopped you from staking today?"
FOLLOW_UP = "Anything else you would like to tell us?"
CHOICES = ("Unclear ID requirements", "Unclear rewards info", "Fees too high", "Just looking around", "Other")
TRUTH_NAME = "survey_truth.json"
SURVEY_DIR = "surveys"
TYPEFORM_FILE = "typeform-responses.json"
HOTJAR_FILE = "hotjar-survey.csv"
SHARE = 0.4
_P_HESITATED = (0.55, 0.2, 0.1, 0.1, 0.05)
_P_STAKING = (0.1, 0.45, 0.2, 0.2, 0.05)
_P_OTHER = (0.12, 0.3, 0.15, 0.35, 0.08)
_TEXTS = {
    "Unclear ID requirements": ["I did not know which ID documents you accept", "the passport photo step was "
                                "confusing, email me at {email}", "Which ID do I need? call me on {phone}"],
    "Unclear rewards info": ["What is the APY after fees?", "rewards page does not say when I get paid",
                             "not sure how rewards are calculated"],
    "Fees too high": ["fees are too high compared to other apps", "my card {card} was charged a fee twice"],
    "Just looking around": ["just browsing for now", "will come back after payday"],
    "Other": ["order #A-102934 from 2026-04-14 still pending", "the app was slow"],
}


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hotjar_time(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _sessions(lib: LibraryStore) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in lib.sessions_json():
        d = lib.session(r["id"]) or {}
        summary = d.get("summary", {})
        shown = sorted((p for p in d.get("pages", []) if p.get("first_ms") is not None), key=lambda p: p["first_ms"])
        out[r["id"]] = {"start": int(summary.get("start_epoch_ms") or 0),
                        "duration": int(summary.get("duration_ms") or 0), "urls": [p["url"] for p in shown],
                        "user_id": summary.get("user_id")}
    return out


def _answer(rng: np.random.Generator, plan: dict[str, Any]) -> str:
    p = _P_HESITATED if plan.get("hesitate") else _P_STAKING if plan.get("staking_visit") else _P_OTHER
    return str(CHOICES[int(rng.choice(len(CHOICES), p=p))])


def _text(rng: np.random.Generator, choice: str, k: int) -> str:
    t = str(rng.choice(_TEXTS[choice]))
    return t.format(email=f"customer{k}@mail.example", phone=f"+66 81 {k % 900 + 100} {k % 9000 + 1000}",
                    card="4111 1111 1111 1111")


def write_surveys(root: Path, seed: int | None = None) -> dict[str, Any]:
    """Write the two exports and the truth for the library in ``root`` (its sessions must be imported)."""
    truth_doc = json.loads((root / "planted_truth.json").read_text(encoding="utf-8"))
    plans = {a["session_id"]: a for a in truth_doc["assignment"]}
    rng = np.random.default_rng((seed if seed is not None else int(truth_doc["seed"])) + 7)
    with open_library(root, create=False) as lib:
        sessions = _sessions(lib)
    items: list[dict[str, Any]] = []
    hot_rows: list[list[str]] = []
    truth: list[dict[str, Any]] = []
    for k, sid in enumerate(sorted(sessions)):
        if rng.random() >= SHARE:
            continue
        s, plan = sessions[sid], plans.get(sid, {})
        choice = _answer(rng, plan)
        text = _text(rng, choice, k) if rng.random() < 0.5 else None
        end = s["start"] + s["duration"]
        if rng.random() < 0.6:  # Typeform, linked from the confirmation e-mail: answered up to a day later
            submitted = end + int(rng.integers(60_000, 86_400_000))
            by_user = rng.random() < 0.2 and s["user_id"]
            hidden = {"user_id": s["user_id"]} if by_user else {"session_id": sid}
            rid = f"tf{k:05d}{int(rng.integers(0, 1 << 30)):08x}"
            answers: list[dict[str, Any]] = [{"field": {"id": "q1stop", "type": "multiple_choice", "ref": "stop"},
                                              "type": "choice", "choice": {"label": choice}}]
            if text:
                answers.append({"field": {"id": "q2more", "type": "long_text", "ref": "more"}, "type": "text",
                                "text": text})
            items.append({"landing_id": rid, "token": rid, "response_id": rid, "landed_at": _iso(submitted - 40_000),
                          "submitted_at": _iso(submitted), "metadata": {"user_agent": "Mozilla/5.0",
                          "platform": "other", "referer": "https://forms.nimbus.example/to/stake", "network_id": ""},
                          "hidden": hidden, "calculated": {"score": 0}, "answers": answers})
            truth.append({"response_id": f"typeform:{rid}", "session_id": sid,
                          "joinable": "user_id" if by_user else "session_id"})
        else:  # Hotjar on-page survey: shown on the last page, answered as the visitor leaves
            submitted = end + int(rng.integers(2_000, 120_000))
            number = str(len(hot_rows) + 1)
            url = s["urls"][-1] if s["urls"] else "https://app.nimbus.example/"
            hot_rows.append([number, f"Visitor {number}", _hotjar_time(submitted), "TH", url, "Desktop", "Chrome",
                             "Windows", choice, text or ""])
            truth.append({"response_id": f"hotjar:{number}", "session_id": sid, "joinable": "time_page"})
    for d in range(5):  # decoys: a session the library does not have; a visitor it never recorded
        rid = f"tfdecoy{d}"
        items.append({"landing_id": rid, "token": rid, "response_id": rid, "landed_at": "2026-01-02T03:04:05Z",
                      "submitted_at": "2026-01-02T03:05:05Z", "metadata": {"referer": ""},
                      "hidden": {"session_id": f"not-in-library-{d}"},
                      "answers": [{"field": {"id": "q1stop", "type": "multiple_choice"}, "type": "choice",
                                   "choice": {"label": "Other"}}]})
        truth.append({"response_id": f"typeform:{rid}", "session_id": None, "joinable": "none"})
        number = str(len(hot_rows) + 1)
        hot_rows.append([number, f"Visitor {number}", f"2026-02-0{d + 1} 04:00:00", "TH",
                         "https://app.nimbus.example/earn/staking", "Mobile", "Safari", "iOS", "Fees too high", ""])
        truth.append({"response_id": f"hotjar:{number}", "session_id": None, "joinable": "none"})
    out = root / SURVEY_DIR
    out.mkdir(exist_ok=True)
    fields = [{"id": "q1stop", "ref": "stop", "title": QUESTION, "type": "multiple_choice"},
              {"id": "q2more", "ref": "more", "title": FOLLOW_UP, "type": "long_text"}]
    (out / TYPEFORM_FILE).write_text(json.dumps({"total_items": len(items), "page_count": 1, "items": items,
                                                 "fields": fields}, indent=1), encoding="utf-8")
    with open(out / HOTJAR_FILE, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Number", "User", "Date Submitted", "Country", "Source URL", "Device", "Browser", "OS",
                    QUESTION, FOLLOW_UP])
        w.writerows(hot_rows)
    doc = {"about": "Which session each demo survey response belongs to and how it can be joined "
                    "(session_id: hidden field; user_id: hidden user id only; time_page: time and URL only; "
                    "none: a decoy that must stay unmatched).", "question": QUESTION, "choices": list(CHOICES),
           "files": [f"{SURVEY_DIR}/{TYPEFORM_FILE}", f"{SURVEY_DIR}/{HOTJAR_FILE}"], "responses": truth}
    (root / TRUTH_NAME).write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return {"responses": len(truth), "typeform": len(items), "hotjar": len(hot_rows)}


def import_demo_surveys(root: Path) -> list[dict[str, Any]]:
    from replaylens.io.surveys import import_file

    with open_library(root, create=False) as lib:
        return [import_file(lib, root / SURVEY_DIR / name).to_json() for name in (TYPEFORM_FILE, HOTJAR_FILE)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replaylens.demo.library_surveys", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("library", type=Path)
    ap.add_argument("--no-import", action="store_true", help="write the exports and the truth only")
    args = ap.parse_args(argv)
    result: dict[str, Any] = write_surveys(args.library)
    if not args.no_import:
        result["imports"] = import_demo_surveys(args.library)
    print(json.dumps(result), flush=True)
    print(f"Survey truth: {args.library / TRUTH_NAME}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

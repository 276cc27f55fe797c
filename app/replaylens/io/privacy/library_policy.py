"""A library's privacy policy and its last audit verdict: ``<library>/privacy.json`` (docs/privacy.md).

``{"keep_values": false, "set_ms": ..., "last_audit": {"clean": true, "findings": 0, "kinds": {...},
"at_ms": ..., "fixed": false}}``. A plain JSON file rather than a catalogue table so that the ingest workers (which
never open the catalogue) read the policy too. A missing file is the default policy (values not kept); a damaged
one is read as the default as well (the safe side) and rewritten by the next ``library policy set``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replaylens.model.atomic import write_atomic

POLICY_FILE = "privacy.json"
#: Keys ``library policy set`` accepts, with their allowed values.
POLICY_KEYS: dict[str, tuple[str, ...]] = {"keep_values": ("true", "false")}


@dataclass
class LibraryPolicy:
    keep_values: bool = False
    set_ms: int | None = None
    last_audit: dict[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {"keep_values": self.keep_values, "set_ms": self.set_ms, "last_audit": self.last_audit}


def read_policy(root: str | Path) -> LibraryPolicy:
    p = Path(root) / POLICY_FILE
    try:
        data = json.loads(p.read_text(encoding="utf-8")) if p.is_file() and p.stat().st_size < 1 << 20 else {}
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    audit = data.get("last_audit")
    set_ms = data.get("set_ms")
    return LibraryPolicy(keep_values=data.get("keep_values") is True,
                         set_ms=set_ms if isinstance(set_ms, int) else None,
                         last_audit=audit if isinstance(audit, dict) else None)


def write_policy(root: str | Path, policy: LibraryPolicy) -> None:
    write_atomic(Path(root) / POLICY_FILE, json.dumps(policy.to_json(), indent=1).encode(), private=False)


def set_keep_values(root: str | Path, keep: bool) -> LibraryPolicy:
    policy = read_policy(root)
    policy.keep_values = keep
    policy.set_ms = int(time.time() * 1000)
    write_policy(root, policy)
    return policy


def record_audit(root: str | Path, verdict: dict[str, Any]) -> None:
    """Remember an audit's verdict (no values: kinds and counts only) for ``library info`` and the window."""
    policy = read_policy(root)
    policy.last_audit = {**verdict, "at_ms": int(time.time() * 1000)}
    write_policy(root, policy)


def parse_setting(text: str) -> tuple[str, bool]:
    """``keep_values=true`` -> (key, value); ValueError naming the problem and the choices otherwise."""
    key, sep, value = text.partition("=")
    key, value = key.strip().lower(), value.strip().lower()
    if not sep or key not in POLICY_KEYS:
        import difflib

        close = difflib.get_close_matches(key, POLICY_KEYS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown policy setting {text!r}{hint}; settings: "
                         + ", ".join(f"{k}={'|'.join(v)}" for k, v in POLICY_KEYS.items()))
    if value not in POLICY_KEYS[key]:
        raise ValueError(f"{key} must be one of {', '.join(POLICY_KEYS[key])}, not {value!r}")
    return key, value == "true"

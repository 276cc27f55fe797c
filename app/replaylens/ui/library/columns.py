"""The Library window's columns and facet names in plain language, and how their values read.

A column ``key`` is what the store sorts by (``duration_ms``, ``attr:campaign``, ``goal:deposit`` ...), so the
table never sorts in Python. Labels avoid jargon: "Length", "Problems found", "Customer type".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from replaylens.model.vocabulary import NONE, none_label


@dataclass(frozen=True)
class Column:
    key: str  # the store's column name
    label: str
    kind: str = "text"  # text | int | ms | time | tags | goal | url
    tip: str = ""


BUILTIN: tuple[Column, ...] = (
    Column("start", "Started", "time", "When the session started (your local time)"),
    Column("duration_ms", "Length", "ms", "From the first to the last recorded event"),
    Column("active_ms", "Active time", "ms", "Time the customer was doing something (idle stretches left out)"),
    Column("entry_url", "First page", "url"),
    Column("exit_url", "Last page", "url"),
    Column("pages_visited", "Pages", "int", "Different pages seen"),
    Column("clicks", "Clicks", "int"),
    Column("findings_total", "Problems found", "int",
           "Signs of friction: rage clicks, dead clicks, hesitation, abandoned forms …"),
    Column("friction_score", "Friction score", "int", "Higher means a harder time (see Help ▸ friction)"),
    Column("device_class", "Device", "text", "From the screen width: desktop ≥ 1024 px, tablet 600–1023, mobile"),
    Column("viewport_width", "Screen width", "int", "CSS pixels"),
    Column("site", "Site", "text"),
    Column("user_id", "Customer id", "text"),
    Column("events", "Events", "int"),
    Column("tags", "Tags", "tags"),
    Column("note_count", "Notes", "int"),
    Column("session_id", "Session id", "text"),
)

DEFAULT_VISIBLE = ("start", "duration_ms", "attr:user_type", "attr:campaign", "attr:variant", "device_class",
                   "pages_visited", "findings_total", "goal:*", "answer:*", "tags")

NICE_KEYS = {
    "user_type": "Customer type", "campaign": "Campaign", "variant": "Variant", "device_class": "Device",
    "goal": "Goals reached", "finding": "Problems found", "tag": "Tags", "country": "Country",
    "utm_campaign": "Campaign link (utm_campaign)", "utm_source": "Came from (utm_source)",
    "utm_medium": "Channel (utm_medium)", "referrer": "Referrer", "site": "Site", "answered": "Answered a survey",
}
NICE_VALUES = {
    "new": "New", "returning": "Returning", "high_net_worth": "High net worth", "organic": "Organic (no campaign)",
    "songkran": "Songkran", "desktop": "Desktop", "tablet": "Tablet", "mobile": "Mobile",
    "rage_click": "Rage clicks", "dead_click": "Clicks that do nothing",
    "error_click": "Clicks with an error",
    "hesitation": "Hesitation", "form_abandonment": "Abandoned forms", "quick_back": "Quick backs",
    "excessive_scroll": "Scrolling up and down", "thrashed_cursor": "Restless mouse", "A": "A", "B": "B",
}
NICE_GOALS = {"deposit": "Deposited", "staked": "Staked", "kyc_completed": "Verified (KYC)",
              "signed_up": "Signed up"}


def duration(ms: int) -> str:
    """``1:05`` (min:s), ``1:02:05`` past an hour."""
    s = max(0, int(ms) // 1000)
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def key_label(key: str) -> str:
    """A facet or attribute key as people say it."""
    if key.startswith("feature/"):
        return f"Feature flag: {key[8:]}"
    if key.startswith("answer:"):
        return f"Answer: {key[7:]}"
    if key.startswith("answer_text:"):
        return f"In their words: {key[12:]}"
    builtin = next((c.label for c in BUILTIN if c.key == key), None)
    return NICE_KEYS.get(key) or builtin or key.replace("_", " ").capitalize()


def amount(key: str, value: object) -> str:
    """A range bound as people read it: lengths as m:ss."""
    if any(c.key == key and c.kind == "ms" for c in BUILTIN) and isinstance(value, int | float):
        return duration(int(value))
    return str(value)


SHORT_VALUES = {"organic": "Organic"}  # in table cells, where the column is narrow


def value_label(key: str, value: str, short: bool = False) -> str:
    if value == NONE:  # the sessions without the attribute
        text = none_label(key)
        return text[:1].upper() + text[1:]
    if key == "answered":
        return "Yes" if value == "yes" else value
    if key == "goal":
        return NICE_GOALS.get(value, value)
    if short and value in SHORT_VALUES:
        return SHORT_VALUES[value]
    return NICE_VALUES.get(value, value)


def attribute_column(key: str) -> Column:
    if key.startswith(("answer:", "answer_text:")):  # a survey question: the header is the question itself
        q = key.partition(":")[2]
        return Column(f"attr:{key}", q, "text", f"Survey answer: {q}")
    return Column(f"attr:{key}", key_label(key), "text")


def goal_column(name: str) -> Column:
    return Column(f"goal:{name}", NICE_GOALS.get(name, f"Reached {name}"), "goal",
                  f"✓ and when: the session reached the goal '{name}' this long after it started")


def display(col: Column, value: Any, key: str = "") -> str:
    """The text a cell shows."""
    if value is None:
        return "" if col.kind != "goal" else "–"
    if col.kind == "ms":
        return duration(int(value))
    if col.kind == "time":
        if isinstance(value, dt.datetime):
            t = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return t.astimezone().strftime("%d %b %Y %H:%M")
        return str(value)
    if col.kind == "goal":
        return f"✓ {duration(int(value))}"
    if col.kind == "tags":
        return ", ".join(str(t) for t in value)
    if col.kind == "url":
        s = str(value)
        return s.split("://", 1)[-1]
    if col.kind == "int":
        return f"{int(value):,}"
    if col.key.startswith("attr:"):
        return value_label(col.key[5:], str(value), short=True)
    return str(value)

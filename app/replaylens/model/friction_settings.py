"""Friction thresholds: one frozen settings object, presets named after whose definitions they follow, and
``key=value`` overrides validated with clear messages (the CLI's ``--set``, the UI's settings panel).

Keys are ``section.field`` (``rage.max_gap_ms``, ``dead.mutation_ms``, ...); ``FrictionSettings.keys()`` lists
them with their type, default and meaning. Defaults are PostHog's where PostHog publishes one, else the
vendor named in the field's doc, else ours (documented in docs/friction.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


class SettingsError(ValueError):
    """A friction setting override is malformed; the message names the key and what is wrong."""


def _f(default: Any, doc: str, lo: float | None = 0) -> Any:
    return field(default=default, metadata={"doc": doc, "min": lo})


@dataclass(frozen=True)
class RageSettings:
    min_clicks: int = _f(3, "clicks in a burst (PostHog 3, OpenReplay 3, Datadog more than 3 = 4)", 2)
    max_gap_ms: float = _f(1000.0, "chain mode: each click less than this after the previous (PostHog 1000, "
                                   "OpenReplay 300)")
    max_distance_px: float = _f(30.0, "chain mode: each click less than |dx|+|dy| px from the previous "
                                      "(PostHog 30; 0 = off)")
    same_target: bool = _f(False, "clicks must hit the same element (OpenReplay)", None)
    window_ms: float = _f(0.0, "window mode when > 0: min_clicks within a sliding window this long (Datadog 1000)")


@dataclass(frozen=True)
class DeadSettings:
    not_interactive: bool = _f(True, "flag clicks on elements known not to be interactive", None)
    no_response: bool = _f(True, "flag clicks the page did not answer (needs mutation events)", None)
    ignore_links: bool = _f(True, "the no_response rule skips links (PostHog)", None)
    mutation_ms: float = _f(2500.0, "a DOM mutation within this answers a click (PostHog 2500, OpenReplay 1234)")
    navigation_ms: float = _f(2500.0, "a navigation, submit or input within this answers a click (ours)")
    scroll_ms: float = _f(100.0, "a scroll within this answers a click (PostHog 100)")
    selection_ms: float = _f(100.0, "a selection change within this answers a click (PostHog 100)")
    focus_ms: float = _f(1000.0, "a focus/blur/visibility change within this answers a click (PostHog 1000)")
    merge_gap_ms: float = _f(3000.0, "consecutive dead clicks on one target closer than this are one finding "
                                     "(ours)")
    page_change_ms: float = _f(5000.0, "a click followed by a new page within this (no click between) is alive "
                                       "(ours; PostHog ignores links)")


@dataclass(frozen=True)
class ErrorSettings:
    max_delay_ms: float = _f(1000.0, "an error this soon after a click makes it an error click (Datadog 1000)")


@dataclass(frozen=True)
class HesitationSettings:
    min_rest_ms: float = _f(3000.0, "rest before using a form field that counts as hesitation (ours)")
    leave_ms: float = _f(10000.0, "a rest in a started form, then leaving within this without using anything, "
                                  "also counts (ours: rrweb's inactivity gap; 0 = off)")


@dataclass(frozen=True)
class QuickBackSettings:
    max_dwell_ms: float = _f(15000.0, "return to the previous page sooner than this (ours; Clarity: relative)")


@dataclass(frozen=True)
class ScrollSettings:
    min_reversals: int = _f(4, "up/down reversals that make scrolling excessive (ours; Clarity: relative)", 1)
    min_travel_px: float = _f(200.0, "a scroll leg shorter than this is not a reversal (ours)")
    window_ms: float = _f(30000.0, "the reversals must fall within this window (ours)")
    min_travel_page: float = _f(0.1, "a scroll leg must also cover this share of the page's scrollable height "
                                     "(ours)")
    max_pause_ms: float = _f(10000.0, "a scroll pause longer than this separates reversals (ours)")


@dataclass(frozen=True)
class FormSettings:
    require_touch: bool = _f(True, "an input counts only on a field the customer clicked, tapped or focused "
                                   "(ours: scripts fill fields too)", None)


@dataclass(frozen=True)
class ThrashSettings:
    min_reversals: int = _f(3, "horizontal pointer reversals that make a thrashed cursor (ours)", 1)
    min_travel_px: float = _f(80.0, "a stroke shorter than this is not a reversal (ours)")
    min_speed_px_s: float = _f(400.0, "a stroke slower than this at its peak is not a reversal (ours)")
    window_ms: float = _f(2000.0, "the reversals must fall within this window (ours)")
    max_pause_ms: float = _f(500.0, "a pointer pause longer than this separates strokes (ours)")


@dataclass(frozen=True)
class InactivitySettings:
    gap_ms: float = _f(10000.0, "gaps between interactions longer than this are inactive (rrweb 10000, "
                                "PostHog 5000)")


_SECTIONS: dict[str, type] = {"rage": RageSettings, "dead": DeadSettings, "error": ErrorSettings,
                              "hesitation": HesitationSettings, "quick_back": QuickBackSettings, "form": FormSettings,
                              "scroll": ScrollSettings, "thrash": ThrashSettings, "inactivity": InactivitySettings}


@dataclass(frozen=True)
class FrictionSettings:
    """Every friction threshold. Build with ``FrictionSettings.preset(name)`` and ``with_overrides``."""

    preset_name: str = "posthog"
    rage: RageSettings = field(default_factory=RageSettings)
    dead: DeadSettings = field(default_factory=DeadSettings)
    error: ErrorSettings = field(default_factory=ErrorSettings)
    hesitation: HesitationSettings = field(default_factory=HesitationSettings)
    quick_back: QuickBackSettings = field(default_factory=QuickBackSettings)
    form: FormSettings = field(default_factory=FormSettings)
    scroll: ScrollSettings = field(default_factory=ScrollSettings)
    thrash: ThrashSettings = field(default_factory=ThrashSettings)
    inactivity: InactivitySettings = field(default_factory=InactivitySettings)

    @staticmethod
    def preset(name: str) -> FrictionSettings:
        """``posthog`` (default), ``openreplay`` or ``datadog``; raises SettingsError for another name."""
        key = name.strip().lower()
        if key not in PRESETS:
            raise SettingsError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
        return PRESETS[key]

    @property
    def rage_rule(self) -> str:
        """The preset whose rage-click definition is in force, or ``custom``."""
        for name, p in PRESETS.items():
            if p.rage == self.rage:
                return name
        return "custom"

    @staticmethod
    def keys() -> dict[str, tuple[str, Any, str]]:
        """Every settable key: (type name, default, meaning)."""
        out: dict[str, tuple[str, Any, str]] = {}
        for sec, cls in _SECTIONS.items():
            for f in fields(cls):
                out[f"{sec}.{f.name}"] = (_type_name(f), f.default, f.metadata["doc"])
        return out

    def get(self, key: str) -> Any:
        sec, name = _split(key)
        return getattr(getattr(self, sec), name)

    def to_dict(self) -> dict[str, Any]:
        return {k: self.get(k) for k in self.keys()}

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> FrictionSettings:
        """A copy with ``{"rage.max_gap_ms": 500, ...}`` (values may be strings) or ``["key=value", ...]``
        applied. Raises SettingsError naming the key for an unknown key, a malformed or out-of-range value."""
        items = parse_assignments(overrides) if not isinstance(overrides, Mapping) else dict(overrides)
        sections = {sec: getattr(self, sec) for sec in _SECTIONS}
        for key, raw in items.items():
            sec, name = _split(key)
            f = next(f for f in fields(_SECTIONS[sec]) if f.name == name)
            sections[sec] = replace(sections[sec], **{name: _convert(key, f, raw)})
        return replace(self, **sections)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["rage.max_gap_ms=500", ...]`` -> ``{"rage.max_gap_ms": "500"}``; raises SettingsError."""
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            raise SettingsError(f"{item!r} is not key=value (for example rage.max_gap_ms=500)")
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not key or not value:
            raise SettingsError(f"{item!r} is not key=value (for example rage.max_gap_ms=500)")
        out[key] = value
    return out


def _split(key: str) -> tuple[str, str]:
    sec, _, name = str(key).partition(".")
    cls = _SECTIONS.get(sec)
    if cls is None:
        raise SettingsError(f"unknown setting {key!r}: the part before the dot must be one of "
                            f"{', '.join(_SECTIONS)}")
    names = [f.name for f in fields(cls)]
    if name not in names:
        raise SettingsError(f"unknown setting {key!r}: {sec} has {', '.join(f'{sec}.{n}' for n in names)}")
    return sec, name


def _type_name(f: dataclasses.Field[Any]) -> str:
    return {"int": "int", "float": "float", "bool": "bool"}[str(f.type)]


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(key: str, f: dataclasses.Field[Any], raw: Any) -> Any:
    kind = _type_name(f)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        s = str(raw).strip().lower()
        if s in _TRUE | _FALSE:
            return s in _TRUE
        raise SettingsError(f"{key} must be true or false, not {raw!r}")
    try:
        if isinstance(raw, bool):
            raise ValueError
        num = float(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a number, not {raw!r}") from None
    if num != num or num in (float("inf"), float("-inf")):
        raise SettingsError(f"{key} must be a finite number, not {raw!r}")
    if kind == "int":
        if num != int(num):
            raise SettingsError(f"{key} must be a whole number, not {raw!r}")
        num = int(num)
    lo = f.metadata["min"]
    if lo is not None and num < lo:
        raise SettingsError(f"{key} must be at least {lo:g}, not {raw!r}")
    return num


PRESETS: dict[str, FrictionSettings] = {
    "posthog": FrictionSettings(),
    "openreplay": FrictionSettings(
        preset_name="openreplay",
        rage=RageSettings(min_clicks=3, max_gap_ms=300.0, max_distance_px=0.0, same_target=True),
        dead=DeadSettings(mutation_ms=1234.0, navigation_ms=1234.0)),
    "datadog": FrictionSettings(
        preset_name="datadog",
        rage=RageSettings(min_clicks=4, max_gap_ms=1000.0, max_distance_px=0.0, window_ms=1000.0)),
}

#: Where the viewer keeps the user's choice (QSettings keys): the preset's name and a mapping of overrides.
SAVED_PRESET_KEY, SAVED_OVERRIDES_KEY = "friction_preset", "friction_overrides"
DEFAULT_PRESET = "posthog"


def saved_settings(preset: Any, overrides: Any = None) -> tuple[FrictionSettings, bool]:
    """The user's friction settings from what the viewer saved (``SAVED_PRESET_KEY``, ``SAVED_OVERRIDES_KEY``):
    the Findings dock and every export analyse with these. Returns (settings, overrides_ok); stale or hand-edited
    overrides are left out (``overrides_ok`` False: the caller forgets them). An unknown preset raises
    SettingsError."""
    settings = FrictionSettings.preset(str(preset if preset is not None else DEFAULT_PRESET))
    if isinstance(overrides, Mapping) and overrides:
        try:
            return settings.with_overrides({str(k): v for k, v in overrides.items()}), True
        except ValueError:
            return settings, False
    return settings, True

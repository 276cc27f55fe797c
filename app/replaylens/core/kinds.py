"""The event-kind vocabulary shared by the bundle format, importers and kernels.

Kinds are stored as strings in files and DuckDB, and as small integer codes in numpy. The first
``len(KNOWN_KINDS)`` codes are fixed; kinds a recording brings that we do not know are kept and get codes
after them (per session), so nothing is dropped for being unfamiliar.
"""

from __future__ import annotations

KNOWN_KINDS: tuple[str, ...] = (
    "move",  # pointer moved (viewport x/y)
    "down",  # button pressed
    "up",  # button released
    "click",
    "dblclick",
    "contextmenu",
    "scroll",  # document scroll; scroll_x/scroll_y hold the new offsets
    "element_scroll",  # an inner element scrolled; the document did not
    "input",  # a field's value changed; value_len always, value only when marked safe
    "focus",
    "blur",
    "resize",  # viewport resized; width/height hold the new size
    "navigate",  # a page was shown; page holds its index
    "visibility",  # tab hidden/visible; detail holds the state
    "error",  # a script or console error; detail holds the message
    "custom",  # an app-defined marker; detail holds tag/payload
    "mutation",  # the DOM changed (needed by the "no response" dead-click rule)
    "touch_start",
    "touch_move",
    "touch_end",
    "selection",
    "submit",  # a form was submitted
)

KIND_CODE: dict[str, int] = {name: i for i, name in enumerate(KNOWN_KINDS)}

MOVE = KIND_CODE["move"]
DOWN = KIND_CODE["down"]
UP = KIND_CODE["up"]
CLICK = KIND_CODE["click"]
DBLCLICK = KIND_CODE["dblclick"]
CONTEXTMENU = KIND_CODE["contextmenu"]
SCROLL = KIND_CODE["scroll"]
ELEMENT_SCROLL = KIND_CODE["element_scroll"]
INPUT = KIND_CODE["input"]
FOCUS = KIND_CODE["focus"]
BLUR = KIND_CODE["blur"]
RESIZE = KIND_CODE["resize"]
NAVIGATE = KIND_CODE["navigate"]
VISIBILITY = KIND_CODE["visibility"]
ERROR = KIND_CODE["error"]
CUSTOM = KIND_CODE["custom"]
MUTATION = KIND_CODE["mutation"]
TOUCH_START = KIND_CODE["touch_start"]
TOUCH_MOVE = KIND_CODE["touch_move"]
TOUCH_END = KIND_CODE["touch_end"]
SELECTION = KIND_CODE["selection"]
SUBMIT = KIND_CODE["submit"]

#: Kinds that position the pointer (used for cursor paths and movement heatmaps).
POINTER_KINDS: frozenset[int] = frozenset({MOVE, DOWN, UP, CLICK, DBLCLICK, CONTEXTMENU, TOUCH_START, TOUCH_MOVE,
                                           TOUCH_END})
#: Their names, in code order (what the library's SQL over raw events selects).
POINTER_KIND_NAMES: tuple[str, ...] = tuple(KNOWN_KINDS[c] for c in sorted(POINTER_KINDS))
#: Kinds that count as the user doing something (for inactivity / skipping, as rrweb and PostHog define it).
ACTIVE_KINDS: frozenset[int] = frozenset({MOVE, DOWN, UP, CLICK, DBLCLICK, CONTEXTMENU, SCROLL, ELEMENT_SCROLL,
                                          INPUT, RESIZE, TOUCH_START, TOUCH_MOVE, TOUCH_END, SELECTION})
#: Kinds that are clicks for heatmaps and friction.
CLICK_KINDS: frozenset[int] = frozenset({CLICK, DBLCLICK, TOUCH_END})


def kind_vocabulary(names: list[str]) -> list[str]:
    """Known kinds first (fixed codes), then the unknown ones in the order given, without duplicates."""
    vocab = list(KNOWN_KINDS)
    seen = set(vocab)
    for name in names:
        if name not in seen:
            seen.add(name)
            vocab.append(name)
    return vocab

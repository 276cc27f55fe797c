"""The one vocabulary of friction findings: every kind with its name (``FINDING_NAMES``), the short label a
highlight carries (``finding_label``) and the plain-language titles: the element as a person sees it, the page by
its title or path.

``element_phrase("Deposit", "button")`` -> ``the 'Deposit' button``; ``page_name(title, url)`` -> the page title,
else its path; ``title_of(...)`` the one line a product manager reads ("Rage click ×5 on the 'Lantern Festival'
banner, which isn't clickable"). Selectors and rule names stay out of these strings (they are in the details
view and in ``--json``). No Qt.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

#: Every finding kind (in report order) and its name; the analysis, the Findings dock, the highlights and the
#: reports all read this one table.
FINDING_NAMES: dict[str, str] = {
    "rage_click": "Rage click", "dead_click": "Dead click", "error_click": "Error click",
    "hesitation": "Hesitation", "form_abandonment": "Form abandoned", "quick_back": "Quick back",
    "excessive_scroll": "Excessive scrolling", "thrashed_cursor": "Thrashed cursor"}
FINDING_KINDS: tuple[str, ...] = tuple(FINDING_NAMES)

#: How a role reads in a sentence.
ROLE_NOUNS: dict[str, str] = {
    "button": "button", "link": "link", "textbox": "field", "searchbox": "search box", "combobox": "drop-down",
    "listbox": "list", "checkbox": "checkbox", "radio": "option", "switch": "switch", "file": "upload field",
    "editor": "editor", "img": "image", "heading": "heading", "banner": "banner", "listitem": "list item",
    "row": "row", "cell": "cell", "tab": "tab", "menuitem": "menu item", "option": "option", "slider": "slider",
    "navigation": "menu", "contentinfo": "footer", "paragraph": "text", "label": "label", "dialog": "dialog",
    "table": "table", "form": "form", "video": "video", "region": "section", "main": "page content",
    "spinbutton": "number field", "treeitem": "item", "menuitemcheckbox": "menu item",
    "menuitemradio": "menu item", "columnheader": "column heading", "list": "list", "complementary": "sidebar",
}
NAME_CHARS = 40


def short(text: str, n: int = NAME_CHARS) -> str:
    """At most ``n`` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= n:
        return text
    cut = text[: n - 1]
    if " " in cut[n // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:·-—") + "…"


def element_phrase(name: str | None, role: str | None, tag: str | None = None) -> str:
    """``the 'Deposit' button``, ``the 'Email' field``, ``the code editor``, ``a link``; '' when nothing is known."""
    role = (role or "").strip().lower()
    noun = ROLE_NOUNS.get(role, "")
    if not noun and tag:
        noun = {"a": "link", "button": "button", "input": "field", "select": "drop-down", "textarea": "text box",
                "img": "image"}.get(tag.lower(), "")
    nm = short(name) if name and name.strip() and name != "[masked]" else ""
    if role == "editor":
        return f"the '{nm}' editor" if nm else "the code editor"
    if nm:
        return f"the '{nm}' {noun}" if noun else f"'{nm}'"
    if noun:
        return f"a {noun}" if noun[0] not in "aeiou" else f"an {noun}"
    return ""


def page_name(title: str | None, url: str | None) -> str:
    """The page as a person names it: its title, else its path (with the fragment of hash routers)."""
    if title and title.strip() and set(title.strip()) != {"*"}:
        return short(title, 50)
    if not url:
        return "the page"
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"#{parts.fragment}" if parts.fragment and parts.fragment.startswith("/") else "")
    if parts.netloc and path == "/":
        return parts.netloc
    return short(path or url, 50)


def finding_name(kind: str) -> str:
    """The name of a finding kind ("Rage click"); an unknown kind reads as its words."""
    return FINDING_NAMES.get(kind, kind.replace("_", " ").capitalize())


def finding_label(f: Any) -> str:
    """The short text on a highlight: the main kind with its count, then what else the same moment qualifies for
    ("Rage click ×5 · dead click"). The finding's full sentence (``title_of``) is in the Findings dock and the
    reports."""
    kind = str(getattr(f, "kind", "finding"))
    count = int(getattr(f, "count", 1) or 1)
    if kind == "hesitation":
        return f"Hesitation {count / 1000:.1f} s"  # count is the rest in ms
    if kind == "quick_back":
        return f"Quick back after {count / 1000:.1f} s"
    name = finding_name(kind)
    label = f"{name} ×{count}" if count > 1 else name
    also = [FINDING_NAMES.get(k, k).lower() for k in (getattr(f, "kinds", ()) or ())[1:]]
    return label + (f" · {', '.join(also)}" if also else "")


def _s(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


def title_of(kinds: tuple[str, ...], counts: dict[str, int], rules: dict[str, str], element: str, page: str,
             detail: str = "") -> str:
    """One sentence for a finding that carries ``kinds`` (the first is the main one)."""
    main = kinds[0]
    on = f" on {element}" if element else ""
    dead_rule = rules.get("dead_click", "")
    not_clickable = "dead_click" in kinds and dead_rule == "not_interactive"
    nothing = "dead_click" in kinds and dead_rule == "no_response"
    errored = "error_click" in kinds
    if main == "rage_click":
        n = counts.get("rage_click", 0)
        if not_clickable:
            where = f"{on}, which isn't clickable" if element else " on a part of the page that isn't clickable"
        else:
            where = on + (", and nothing happened" if nothing else "")
        text = f"{FINDING_NAMES['rage_click']} ×{n}{where}"
        return text + (f"; an error followed{': ' + short(detail, 60) if detail else ''}" if errored else "")
    if main == "error_click":
        what = f"Click{on}" if element else "A click"
        msg = f": {short(detail, 60)}" if detail else ""
        return f"{what} was followed by an error{msg}"
    if main == "dead_click":
        n = counts.get("dead_click", 1)
        times = f" ×{n}" if n > 1 else ""
        if not_clickable:
            return f"Click{times}{on}, which isn't clickable" if element else \
                f"Click{times} on a part of the page that isn't clickable"
        return f"Click{times}{on}: nothing happened"
    if main == "hesitation":
        if rules.get("hesitation") == "rest_then_leave":
            after = f" after {element}" if element else ""  # the field or control last touched
            return f"Paused {_s(counts.get('hesitation', 0))} in the form{after}, then left {page or 'the page'}"
        before = f" before using {element}" if element else " before using a form field"
        return f"Paused {_s(counts.get('hesitation', 0))}{before}"
    if main == "form_abandonment":
        what = f"Started filling in {element}" if element else "Started filling in a form"
        return f"{what} on {page} and never sent it"
    if main == "quick_back":
        return f"Left {page} after {_s(counts.get('quick_back', 0))} and went back"
    if main == "excessive_scroll":
        return f"Scrolled up and down {counts.get('excessive_scroll', 0)} times on {page}"
    if main == "thrashed_cursor":
        return f"Shook the pointer back and forth {counts.get('thrashed_cursor', 0)} times"
    return finding_name(main)


#: Rule names as a sentence, for the details view.
RULE_TEXT: dict[str, str] = {
    "posthog": "3+ clicks, each under 1 s and 30 px from the last (PostHog)",
    "openreplay": "3+ clicks on the same element under 300 ms apart (OpenReplay)",
    "datadog": "4+ clicks within 1 s (Datadog); error within 1 s of a click (Datadog)",
    "custom": "your own rage-click settings",
    "not_interactive": "the element is not a link, button, field or control",
    "no_response": "the page did not change after the click",
    "rest_before_field": "no activity for 3 s or more, then a form field was used",
    "no_submit": "typed into a field and the form was never submitted",
    "no_forward_navigation": "typed into a field, never submitted it and never went on to a new page",
    "return_within": "came back to the previous page within 15 s",
    "reversals": "changed direction several times in a short while",
}

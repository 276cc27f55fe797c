"""The CSS sanitiser of the snapshot rebuild (``io.rrweb.html``): recorded CSS must not be able to fetch or run
anything. CSS is parsed with tinycss2 (the CSS Syntax spec: escapes, comments, strings, ``url()`` tokens and
blocks are decoded exactly as a browser does) and written back with ``tinycss2.serialize``:

* at-rules: ``@import`` becomes ``/* @import removed */``; grouping and descriptor rules a page renders with
  (``@media @supports @layer @container @font-face @keyframes @page`` ...) are kept with their contents sanitised;
  ``@charset`` and ``@namespace`` (a namespace URI is a name, never fetched) stay; every other at-rule is dropped
  (a browser ignores the ones it does not know, and the ones it knows but we do not list may not be trusted);
* ``url()``/``src()`` that is not ``data:`` or ``#fragment`` becomes ``url(data:,)``; inside ``image-set()``,
  ``image()``, ``cross-fade()`` a string that is not ``data:``/``#`` becomes ``"data:,"`` and so does ``var()``
  or ``attr()`` (they could carry a URL string from elsewhere); a bad URL token becomes ``url(data:,)``;
* ``behavior``, ``-ms-behavior`` and ``-moz-binding`` declarations are dropped, ``expression()`` removed;
* blocks nested deeper than ``MAX_CSS_DEPTH`` are dropped (a hostile sheet cannot exhaust the recursion limit).

Everything else keeps its meaning; the text is tinycss2's serialisation (whitespace, comments, strings and numbers
as written; identifiers re-escaped minimally, ``unicode-range`` values in canonical hex).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import tinycss2
from tinycss2 import ast

CTRL_RE = re.compile(r"[\x00-\x20\x7f]+")  #: control characters and spaces, ignored by URL parsers
MAX_CSS_DEPTH = 64  #: nested blocks/functions kept; deeper ones are dropped

_URL_FUNCS = frozenset({"url", "src"})
_SET_FUNCS = frozenset({"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"})
_INDIRECT_FUNCS = frozenset({"var", "attr"})  #: blanked inside a _SET_FUNCS function
_DROP_FUNCS = frozenset({"expression"})  #: legacy IE script in CSS
_DROP_PROPS = frozenset({"behavior", "-ms-behavior", "-moz-binding"})  #: attach script (HTC files, XBL)
_KEEP_AS_IS = frozenset({"charset", "namespace"})
_TRUSTED_AT = frozenset({
    "media", "supports", "layer", "container", "scope", "starting-style", "font-face", "keyframes",
    "-webkit-keyframes", "-moz-keyframes", "-o-keyframes", "page", "counter-style", "property", "font-feature-values",
    "font-palette-values", "view-transition", "position-try",
    # nested in @font-feature-values
    "stylistic", "historical-forms", "styleset", "character-variant", "swash", "ornaments", "annotation",
    # page-margin boxes nested in @page
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "bottom-left-corner",
    "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner", "left-top", "left-middle", "left-bottom",
    "right-top", "right-middle", "right-bottom",
})
_VIEWPORT_UNITS = frozenset({"vh", "svh", "lvh", "dvh", "vb", "vmin", "vmax"})
_SERIALISABLE_ERRORS = frozenset({"bad-string", ")", "]", "}", "eof-in-string", "eof-in-url"})

_NEWLINE = re.compile("\n")
_STRING = re.compile(r"\"(?:[^\"\\\n]|\\[\s\S])*\"?|'(?:[^'\\\n]|\\[\s\S])*'?")
Nodes = list[Any]  #: tinycss2 nodes (the library is untyped)


def url_allowed(raw: str, *, data_ok: bool = True) -> bool:
    """A URL may stay when it cannot cause a request: ``data:`` (if allowed here) or a same-document fragment."""
    url = CTRL_RE.sub("", raw).lower()
    return url.startswith("#") or (data_ok and url.startswith("data:"))


def _inert(css: str, viewport: tuple[int, int] | None) -> bool:
    """True when ``css`` cannot fetch and needs no unit fix: every fetch needs a function or ``url(`` token (a
    ``(``, which no escape can produce) or an at-rule (an ``@``)."""
    return "(" not in css and "@" not in css and (viewport is None or "v" not in css.lower())


def sanitize_css(css: str, viewport: tuple[int, int] | None = None) -> str:
    """A stylesheet (``<style>`` text, an inlined ``_cssText``) with every way to fetch or run code neutralised
    (module doc). With ``viewport=(w, h)`` the height-relative units (vh, svh, lvh, dvh, vb, vmin, vmax) become px
    of the *recorded* viewport: a full-page screenshot renders with a viewport as tall as the document, and a
    ``min-height: 100vh`` hero would otherwise grow with it."""
    if _inert(css, viewport):
        return css
    return _CACHE.get(css, viewport, True)


def sanitize_declarations(text: str, viewport: tuple[int, int] | None = None) -> str:
    """The same for an attribute value: a ``style`` declaration list, or a value such as SVG ``fill="url(#g)"``."""
    if _inert(text, viewport):
        return text
    return _CACHE.get(text, viewport, False)


def _sanitize(css: str, viewport: tuple[int, int] | None, sheet: bool) -> str:
    cleaner = _Cleaner(css, viewport)
    if sheet:
        return str(tinycss2.serialize(cleaner.sheet(tinycss2.parse_stylesheet(cleaner.src))))
    return str(tinycss2.serialize(cleaner.block(tinycss2.parse_component_value_list(cleaner.src), 0)))


class _Cache:
    """Sanitised CSS by (text, viewport, kind), least recently used first out, bounded in characters: a session's
    pages and keyframes repeat the same stylesheets, and parsing CSS in Python costs a few microseconds a
    character."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._chars = 0
        self._items: OrderedDict[tuple[str, tuple[int, int] | None, bool], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, css: str, viewport: tuple[int, int] | None, sheet: bool) -> str:
        key = (css, viewport, sheet)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        out = _sanitize(css, viewport, sheet)
        size = len(css) + len(out)
        if size <= self.max_chars // 4:
            with self._lock:
                if key not in self._items:
                    self._items[key] = out
                    self._chars += size
                while self._chars > self.max_chars:
                    (old, _vp, _kind), value = self._items.popitem(last=False)
                    self._chars -= len(old) + len(value)
        return out

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0


_CACHE = _Cache(32_000_000)
clear_cache = _CACHE.clear  #: forget every cached result (benchmarks measure the cold cost with it)


class _Cleaner:
    def __init__(self, css: str, viewport: tuple[int, int] | None) -> None:
        # the CSS Syntax preprocessing (tinycss2 does the same), so token positions index into ``src``
        self.src = css.replace("\0", "\ufffd").replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
        self._newlines: list[int] | None = None
        self.scale: dict[str, float] = {}
        if viewport is not None:
            w, h = viewport
            self.scale = {"vh": h, "svh": h, "lvh": h, "dvh": h, "vb": h, "vmin": min(w, h), "vmax": max(w, h)}

    def sheet(self, rules: Iterable[Any]) -> Nodes:
        """Top-level rules from ``tinycss2.parse_stylesheet``; parse errors (rules a browser drops) are left out."""
        out: Nodes = []
        for rule in rules:
            if rule.type == "qualified-rule":
                out.append(ast.QualifiedRule(rule.source_line, rule.source_column, self.values(rule.prelude, 0),
                                             self.block(rule.content, 1)))
            elif rule.type == "at-rule":
                out.extend(self.at_rule(rule.lower_at_keyword, rule, rule.prelude, rule.content, 1))
            elif rule.type in ("whitespace", "comment"):
                out.append(rule)
        return out

    def at_rule(self, name: str, first: Any, prelude: Nodes, content: Nodes | None, depth: int) -> Nodes:
        """One at-rule (``first``: its tinycss2 AtRule or at-keyword token); see the module doc for what stays."""
        line, col = first.source_line, first.source_column
        keyword = first.at_keyword if first.type == "at-rule" else first.value
        if name == "import":
            return [ast.Comment(line, col, " @import removed ")]
        if name in _KEEP_AS_IS and content is None:
            return [ast.AtRule(line, col, keyword, name, prelude, None)]
        if name not in _TRUSTED_AT:
            return []
        return [ast.AtRule(line, col, keyword, name, self.values(prelude, depth),
                           None if content is None else self.block(content, depth + 1))]

    def block(self, nodes: Nodes, depth: int) -> Nodes:
        """The contents of a ``{}`` block or a ``style`` attribute: declarations, nested rules and at-rules."""
        if depth > MAX_CSS_DEPTH:
            return []
        out: Nodes = []
        for stmt in _statements(nodes):
            lead = next((i for i, n in enumerate(stmt) if n.type not in ("whitespace", "comment")), len(stmt))
            head = stmt[lead] if lead < len(stmt) else None
            if head is not None and head.type == "at-keyword":
                out.extend(stmt[:lead])
                rest = stmt[lead + 1:]
                content = rest.pop().content if rest and rest[-1].type == "{} block" else None
                if content is None and rest and rest[-1] == ";":
                    rest.pop()  # an AtRule without a block writes its own ";"
                out.extend(self.at_rule(head.lower_value, head, rest, content, depth))
                continue
            if head is not None and head.type == "ident" and head.lower_value in _DROP_PROPS:
                colon = next((n for n in stmt[lead + 1:] if n.type not in ("whitespace", "comment")), None)
                if colon == ":":
                    continue
            out.extend(self.values(stmt, depth))
        return out

    def values(self, nodes: Nodes, depth: int, in_set: bool = False) -> Nodes:
        """Component values with every fetch neutralised (``in_set``: directly inside an image-set()-like)."""
        if depth > MAX_CSS_DEPTH:
            return []
        out: Nodes = []
        for node in nodes:
            kind = node.type
            if kind == "url":
                out.append(node if url_allowed(node.value) else _blank_url(node))
            elif kind == "function":
                out.extend(self.function(node, depth, in_set))
            elif kind == "string":
                out.append(self.as_written(node) if not in_set or url_allowed(node.value) else _blank_string(node))
            elif kind == "{} block":
                out.append(ast.CurlyBracketsBlock(node.source_line, node.source_column,
                                                  self.block(node.content, depth + 1)))
            elif kind == "() block":
                out.append(ast.ParenthesesBlock(node.source_line, node.source_column,
                                                self.values(node.content, depth + 1)))
            elif kind == "[] block":
                out.append(ast.SquareBracketsBlock(node.source_line, node.source_column,
                                                   self.values(node.content, depth + 1)))
            elif kind == "dimension" and node.lower_unit in self.scale:
                px = f"{node.value * self.scale[node.lower_unit] / 100:.6g}"
                out.append(ast.DimensionToken(node.source_line, node.source_column, float(px), None, px, "px"))
            elif kind == "error":
                if node.kind in _SERIALISABLE_ERRORS:
                    out.append(node)
                elif node.kind == "bad-url":
                    out.append(_blank_url(node))
            else:
                out.append(node)
        return out

    def as_written(self, string: Any) -> Any:
        """A kept string token writes its source text (its quotes and escapes), not tinycss2's normalised form."""
        if self._newlines is None:
            self._newlines = [-1] + [m.start() for m in _NEWLINE.finditer(self.src)]
        if 0 < string.source_line <= len(self._newlines):
            m = _STRING.match(self.src, self._newlines[string.source_line - 1] + string.source_column)
            if m is not None:
                string.representation = m.group(0)
        return string

    def function(self, node: Any, depth: int, in_set: bool) -> Nodes:
        name = node.lower_name
        if name in _URL_FUNCS:
            args = [a for a in node.arguments if a.type not in ("whitespace", "comment")]
            ok = len(args) >= 1 and args[0].type == "string" and url_allowed(args[0].value)
            return [node if ok and all(a.type != "function" for a in args) else _blank_url(node)]
        if name in _DROP_FUNCS:
            return []
        if in_set and name in _INDIRECT_FUNCS:
            return [_blank_string(node)]
        return [ast.FunctionBlock(node.source_line, node.source_column, node.name,
                                  self.values(node.arguments, depth + 1, name in _SET_FUNCS))]


def _statements(nodes: Nodes) -> Iterator[Nodes]:
    """Split block contents after each top-level ``;``, ``{}`` block (the end of a nested rule) and stray ``}``: at
    least wherever a browser starts a new statement, so no at-rule or declaration can hide inside another."""
    cur: Nodes = []
    for node in nodes:
        cur.append(node)
        if node == ";" or node.type == "{} block" or (node.type == "error" and node.kind == "}"):
            yield cur
            cur = []
    if cur:
        yield cur


def _blank_url(at: Any) -> Any:
    return ast.URLToken(at.source_line, at.source_column, "data:,", "url(data:,)")


def _blank_string(at: Any) -> Any:
    return ast.StringToken(at.source_line, at.source_column, "data:,", '"data:,"')

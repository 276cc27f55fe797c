"""The CSS sanitiser of the snapshot rebuild (``io.rrweb.html``): recorded CSS must not be able to fetch anything."""

from __future__ import annotations

import re

CTRL_RE = re.compile(r"[\x00-\x20\x7f]+")  #: control characters and spaces, ignored by URL parsers

_ESC = r"\\(?:[0-9a-fA-F]{1,6}[ \t\n\r\f]?|[^\n\r\f0-9a-fA-F])"
_CSS_TOKEN = re.compile(
    r"/\*.*?(?:\*/|\Z)"                                   # comment (first, so quotes inside it are ignored)
    r"|\"(?:[^\"\\\n]|\\.|\\\n)*\"?|'(?:[^'\\\n]|\\.|\\\n)*'?"  # strings (a bare newline ends a bad string)
    rf"|@(?P<at>(?:[-\w]|{_ESC})++)"                        # at-keyword
    rf"|(?<![-\w\\])(?P<fn>(?:[-\w]|{_ESC})++)\("           # function token: a whole ident followed by "("
    r"|[()]",
    re.DOTALL,
)
_ESC_ONE = re.compile(_ESC)
_URL_FUNCS = frozenset({"url", "src"})
_SET_FUNCS = frozenset({"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"})
_BLANK_URL = "url(data:,)"
_VH_RE = re.compile(r"(?<![\w.\\-])(-?(?:\d+\.?\d*|\.\d+))(vh|svh|lvh|dvh|vb|vmin|vmax)\b", re.IGNORECASE)


def _unescape_css(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        body = m.group(0)[1:].rstrip(" \t\n\r\f")
        if body and all(c in "0123456789abcdefABCDEF" for c in body):
            code = int(body, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return body
    return _ESC_ONE.sub(one, text)


def url_allowed(raw: str, *, data_ok: bool = True) -> bool:
    """A URL may stay when it cannot cause a request: ``data:`` (if allowed here) or a same-document fragment."""
    url = CTRL_RE.sub("", raw).lower()
    return url.startswith("#") or (data_ok and url.startswith("data:"))


_URL_QUOTED = re.compile(r"[ \t\n\r\f]*(?:\"((?:[^\"\\\n]|\\.)*)\"?|'((?:[^'\\\n]|\\.)*)'?)[^)]*\)?", re.DOTALL)
_URL_BARE = re.compile(r"((?:[^)\\]|\\.)*)\)?", re.DOTALL)
_STATEMENT_END = re.compile(r"/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|'(?:[^'\\\n]|\\.)*'?|[;{}]", re.DOTALL)


def _scan_url_arg(css: str, pos: int) -> tuple[str, int]:
    """From just after ``url(``: return (the argument without quotes, index after the closing ``)``)."""
    m = _URL_QUOTED.match(css, pos)
    if m is not None:
        return (m.group(1) if m.group(1) is not None else m.group(2) or ""), m.end()
    m = _URL_BARE.match(css, pos)
    assert m is not None  # the pattern matches the empty string
    return m.group(1), m.end()


def _skip_statement(css: str, pos: int) -> int:
    """Index just after the ``;`` ending an at-rule (strings respected), or where the next block starts/ends."""
    for m in _STATEMENT_END.finditer(css, pos):
        if m.group(0) == ";":
            return m.end()
        if m.group(0) in "{}":
            return m.start()
    return len(css)


def _fix_viewport_units(text: str, viewport: tuple[int, int] | None) -> str:
    if viewport is None or "v" not in text:
        return text
    w, h = viewport
    scale = {"vh": h, "svh": h, "lvh": h, "dvh": h, "vb": h, "vmin": min(w, h), "vmax": max(w, h)}
    return _VH_RE.sub(lambda m: f"{float(m.group(1)) * scale[m.group(2).lower()] / 100:.6g}px", text)


def sanitize_css(css: str, viewport: tuple[int, int] | None = None) -> str:
    """Neutralise every way CSS can fetch: ``@import`` removed, non-data ``url()``/``src()``/``image-set`` strings
    blanked. Everything else (selectors, fonts in data: URIs, ``content`` strings) is kept byte for byte, except
    that with ``viewport=(w, h)`` the height-relative units (vh, svh, lvh, dvh, vb, vmin, vmax) become px of the
    *recorded* viewport: a full-page screenshot renders with a viewport as tall as the document, and a
    ``min-height: 100vh`` hero would otherwise grow with it."""
    out: list[str] = []
    stack: list[bool] = []  # one entry per open paren: True when inside an image-set()-like function
    pos = 0
    n = len(css)
    while pos < n:
        m = _CSS_TOKEN.search(css, pos)
        if m is None:
            break
        out.append(_fix_viewport_units(css[pos:m.start()], viewport))
        tok = m.group(0)
        pos = m.end()
        if m.group("at") is not None:
            if _unescape_css(m.group("at")).lower() == "import":
                pos = _skip_statement(css, pos)
                out.append("/* @import removed */")
                continue
            out.append(tok)
        elif m.group("fn") is not None:
            name = _unescape_css(m.group("fn")).lower()
            if name in _URL_FUNCS:
                arg, end = _scan_url_arg(css, pos)
                out.append(css[m.start():end] if url_allowed(_unescape_css(arg)) else _BLANK_URL)
                pos = end
                continue
            stack.append(name in _SET_FUNCS)
            out.append(tok)
        elif tok == "(":
            stack.append(False)
            out.append(tok)
        elif tok == ")":
            if stack:
                stack.pop()
            out.append(tok)
        elif tok[:1] in "\"'" and stack and stack[-1]:
            inner = tok[1:-1] if len(tok) > 1 and tok[-1] == tok[0] else tok[1:]
            out.append(tok if url_allowed(_unescape_css(inner)) else '"data:,"')
        else:
            out.append(tok)
    out.append(_fix_viewport_units(css[pos:], viewport))
    return "".join(out)

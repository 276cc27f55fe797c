"""Pinned fonts for page pictures: the same faces on every machine (docs/rendering.md, "Fonts").

A recorded page asks for ``Arial``, ``Helvetica``, ``monospace``…; which file answers depends on the fonts a
machine has (with ``fonts-liberation`` Arial is Liberation Sans, with ``fonts-urw-base35`` Nimbus Sans, with
``fonts-noto-mono`` monospace is Noto Sans Mono), so the same recording rendered elsewhere gave another picture.
``pin_fonts`` points fontconfig (``FONTCONFIG_FILE``, read when Qt and Chromium start) at a private configuration
that sees only the faces the bootstrap installs (``fonts-dejavu-core``, a dependency of the Debian package: DejaVu
Sans, Sans Mono, Serif, regular and bold; ``fonts-wqy-microhei``, recommended: WenQuanYi Micro Hei, for
Chinese/Japanese/Korean text, linked when present), linked into one private folder, and maps the generic families
and the common web fonts onto them (``FAMILIES``).

It must run before the process's first ``QGuiApplication``: the page-rendering child (``replaylens convert``),
``render.qt.ensure_web_app`` when it starts Qt itself, ``export --exact`` and the tests call it; the viewer's own
widgets keep the system's fonts. Set
``REPLAYLENS_SYSTEM_FONTS=1`` to keep the system configuration. Nothing here imports Qt.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

#: The faces page pictures use (Debian paths of fonts-dejavu-core), all required for pinning.
FACES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
)
#: Linked too when installed (the bootstrap installs it; the Debian package recommends it): CJK text.
OPTIONAL_FACES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
SANS, MONO, SERIF, CJK = "DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif", "WenQuanYi Micro Hei"
#: Family asked for -> the pinned face (CJK text falls back to WenQuanYi Micro Hei from every family).
FAMILIES: dict[str, str] = {
    **{f: SANS for f in ("sans-serif", "system-ui", "ui-sans-serif", "-apple-system", "BlinkMacSystemFont",
                         "Arial", "Helvetica", "Helvetica Neue", "Verdana", "Tahoma", "Segoe UI", "Roboto",
                         "Open Sans", "Inter", "Lato", "Montserrat", "Noto Sans", "Liberation Sans", "Nimbus Sans",
                         "Ubuntu", "Cantarell", "Trebuchet MS", "Calibri", "Source Sans Pro", "PingFang SC",
                         "Microsoft YaHei", "emoji", "fantasy", "cursive")},
    **{f: MONO for f in ("monospace", "ui-monospace", "Courier New", "Courier", "Menlo", "Monaco", "Consolas",
                         "SFMono-Regular", "Liberation Mono", "Noto Mono", "Noto Sans Mono", "Nimbus Mono PS",
                         "Source Code Pro", "Fira Code", "Fira Mono", "Roboto Mono", "Ubuntu Mono")},
    **{f: SERIF for f in ("serif", "ui-serif", "Times New Roman", "Times", "Georgia", "Cambria",
                          "Liberation Serif", "Noto Serif", "Nimbus Roman", "Palatino", "Book Antiqua")},
}
#: How glyphs are drawn (Debian's defaults, written out so no machine setting changes them): grey antialiasing,
#: slight hinting (none below 7.5 px for DejaVu), no subpixel colour; italic and bold synthesised where the face
#: has none (fonts-dejavu-core has no italics), as fontconfig's 90-synthetic.conf does.
RENDERING = """  <match target="font"><edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="hinting" mode="assign"><bool>true</bool></edit>
    <edit name="hintstyle" mode="assign"><const>hintslight</const></edit>
    <edit name="rgba" mode="assign"><const>none</const></edit>
    <edit name="lcdfilter" mode="assign"><const>lcddefault</const></edit>
    <edit name="autohint" mode="assign"><bool>false</bool></edit>
    <edit name="embeddedbitmap" mode="assign"><bool>false</bool></edit></match>
  <match target="font"><test name="family" compare="contains"><string>DejaVu</string></test>
    <test compare="less" name="pixelsize"><double>7.5</double></test>
    <edit name="hinting" mode="assign"><bool>false</bool></edit></match>
  <match target="font"><test name="slant"><const>roman</const></test>
    <test target="pattern" name="slant" compare="not_eq"><const>roman</const></test>
    <edit name="matrix" mode="assign"><times><name>matrix</name><matrix><double>1</double><double>0.2</double>
    <double>0</double><double>1</double></matrix></times></edit>
    <edit name="slant" mode="assign"><const>oblique</const></edit></match>
  <match target="font"><test name="weight" compare="less_eq"><const>medium</const></test>
    <test target="pattern" name="weight" compare="more_eq"><const>bold</const></test>
    <edit name="embolden" mode="assign"><bool>true</bool></edit>
    <edit name="weight" mode="assign"><const>bold</const></edit></match>
"""
ENV = "FONTCONFIG_FILE"
OPT_OUT = "REPLAYLENS_SYSTEM_FONTS"


def config_text(font_dir: Path, cache_dir: Path) -> str:
    """The fontconfig configuration: only ``font_dir``, every family of ``FAMILIES`` bound to its face."""
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>",
             f"  <dir>{escape(str(font_dir))}</dir>", f"  <cachedir>{escape(str(cache_dir))}</cachedir>"]
    for family, face in FAMILIES.items():
        lines.append(f'  <match target="pattern"><test name="family"><string>{escape(family)}</string></test>'
                     f'<edit name="family" mode="assign" binding="strong"><string>{face}</string>'
                     f"<string>{CJK}</string></edit></match>")
    lines.append(f'  <alias><family>{SANS}</family><default><family>{CJK}</family></default></alias>')
    lines.append(f'  <match target="pattern"><edit name="family" mode="append_last"><string>{SANS}</string>'
                 f"<string>{CJK}</string></edit></match>")
    lines.append(RENDERING.rstrip("\n"))
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def pinned_config(root: Path | None = None) -> Path | None:
    """Write the configuration (and the folder of linked faces) under ``root`` (default: a per-user temporary
    folder); None when a DejaVu face is missing (then nothing is pinned: the system's fonts are used)."""
    faces = [Path(f) for f in FACES]
    if not all(f.is_file() for f in faces):
        return None
    faces += [Path(f) for f in OPTIONAL_FACES if Path(f).is_file()]
    base = root or Path(tempfile.gettempdir()) / f"replaylens-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"
    fonts, cache = base / "faces", base / "cache"
    fonts.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    for stale in fonts.iterdir():  # a face uninstalled since
        if stale.name not in {f.name for f in faces}:
            stale.unlink(missing_ok=True)
    for f in faces:
        link = fonts / f.name
        if not (link.is_symlink() and os.readlink(link) == str(f)):
            link.unlink(missing_ok=True)
            link.symlink_to(f)
    conf = base / "fonts.conf"
    text = config_text(fonts, cache)
    if not conf.is_file() or conf.read_text("utf-8") != text:
        tmp = conf.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(conf)
    return conf


def pin_fonts() -> Path | None:
    """Point this process (and the Chromium processes it starts) at the pinned configuration; call before Qt
    starts. Returns the configuration in force, None when the system's is kept."""
    if os.environ.get(OPT_OUT) == "1":
        return None
    if os.environ.get(ENV, "").endswith("fonts.conf") and "replaylens-fonts" in os.environ[ENV]:
        return Path(os.environ[ENV])
    try:
        conf = pinned_config()
    except OSError:
        return None
    if conf is not None:
        os.environ[ENV] = str(conf)
    return conf

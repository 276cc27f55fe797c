"""The desktop packages, built for real: ``packaging/build.sh`` makes the PyInstaller bundle (reused from ``dist/``
when none of its inputs changed), the wheel and the .deb once per run; then the frozen app is run (command line,
QtWebEngine rendering, the GUI under Xvfb with a screenshot), lintian checks the .deb, the .deb is unpacked into a
temporary root (the machine is not modified) where xdg-mime must name our desktop entry and xdg-open must start
the viewer on a session, and the wheel is installed into a fresh virtualenv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
DEMO_EVENTS = 3495
DEMO_NAME = "nimbus-demo.rlsession"
T0 = 1_700_000_000_000


@dataclass
class Built:
    bundle: Path
    exe: Path
    deb: Path
    wheel: Path
    lintian: subprocess.Popen[str] | None  # started right after the build, read by the last test


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's desktop session: no checkout on the path, no offscreen platform forced."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "QT_QPA_PLATFORM", "PYTHONHOME", "VIRTUAL_ENV", "XDG_CURRENT_DESKTOP",
                        "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID", "BROWSER")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def built() -> Iterator[Built]:
    for tool in ("dpkg-deb", "dpkg"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (a Debian-based system is needed to build the .deb)")
    env = dict(os.environ, PYTHON=sys.executable, DIST=str(DIST), WORK=str(ROOT / "build"))
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh"), "--wheel"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    debs, wheels = sorted(DIST.glob("replaylens_*.deb")), sorted(DIST.glob("replaylens-*.whl"))
    assert len(debs) == 1 and len(wheels) == 1, (debs, wheels)
    lint = None
    if shutil.which("lintian"):  # slow (every ELF file of the bundle is inspected): run it alongside the rest
        lint = subprocess.Popen(["lintian", "--tag-display-limit", "0", str(debs[0])], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    built = Built(DIST / "replaylens", DIST / "replaylens" / "replaylens", debs[0], wheels[0], lint)
    yield built
    if lint is not None and lint.poll() is None:
        lint.kill()
        lint.wait()


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private X server (Xvfb, 1920×1080): its DISPLAY."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    assert number.isdigit(), "Xvfb did not report its display"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


def _window_titles(display: str) -> str:
    proc = subprocess.run(["xwininfo", "-root", "-tree"], env=dict(os.environ, DISPLAY=display), capture_output=True,
                          text=True, timeout=10)
    return proc.stdout


def _run(cmd: list[str], env: dict[str, str], timeout: float = 180, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_frozen_command_line_finds_its_demo(built: Built, tmp_path: Path) -> None:
    env = _clean_env(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    path = _run([str(built.exe), "demo", "--path"], env, cwd=tmp_path)
    assert path.returncode == 0, path.stderr
    demo = Path(path.stdout.strip())
    assert demo.is_file() and demo.name == DEMO_NAME
    assert demo.is_relative_to(built.bundle), f"the frozen app found {demo}, not its own copy"
    info = _run([str(built.exe), "info", "--json", str(demo)], env, cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["events"] == DEMO_EVENTS and len(summary["pages"]) == 5


def test_frozen_bundle_renders_rrweb_pages_with_qtwebengine(built: Built, tmp_path: Path) -> None:
    body = {"type": 2, "id": 3, "tagName": "body", "attributes": {"style": "background: rgb(34, 170, 102); margin: 0"},
            "childNodes": [{"type": 2, "id": 4, "tagName": "h1", "attributes": {},
                            "childNodes": [{"type": 3, "id": 5, "textContent": "Rendered from the bundle"}]}]}
    node = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                                "childNodes": [body]}]}
    events = [{"type": 4, "data": {"href": "https://example.test/", "width": 800, "height": 600}, "timestamp": T0},
              {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}, "timestamp": T0 + 10},
              {"type": 3, "data": {"source": 1, "positions": [{"x": 10, "y": 10, "id": 4, "timeOffset": 0}]},
               "timestamp": T0 + 500}]
    src, out = tmp_path / "tiny.json", tmp_path / "tiny.rlsession"
    src.write_text(json.dumps(events))
    proc = _run([str(built.exe), "convert", str(src), "-o", str(out)], _clean_env(HOME=str(tmp_path)), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 screenshots" in proc.stdout
    with zipfile.ZipFile(out) as z:
        png = z.read("pages/000.png")
    from PySide6.QtGui import QImage

    img = QImage.fromData(png)
    assert (img.width(), img.height()) == (800, 600)
    c = img.pixelColor(400, 400)  # the page's own background: QtWebEngine drew it (a wireframe would not)
    assert (abs(c.red() - 34), abs(c.green() - 170), abs(c.blue() - 102)) < (4, 4, 4), c.name()


def test_frozen_gui_opens_the_demo_under_xvfb(built: Built, display: str, tmp_path: Path) -> None:
    for tool in ("xwininfo", "import"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install x11-utils imagemagick)")
    env = _clean_env(DISPLAY=display, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
                     XDG_DATA_HOME=str(tmp_path / "data"))
    start = time.monotonic()
    app = subprocess.Popen([str(built.exe), "demo"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        while DEMO_NAME not in _window_titles(display):  # the title names the session once it is loaded
            assert app.poll() is None, f"the frozen viewer exited ({app.returncode}): {app.communicate()[0][-2000:]}"
            assert time.monotonic() - start < 60, "no window showing the demo within 60 s"
            time.sleep(0.05)
        first_frame = time.monotonic() - start
        shot = tmp_path / "frozen-gui.png"
        from PySide6.QtGui import QImage

        painted = time.monotonic() + 30  # the first frames paint a moment after the title (later on a busy machine)
        while True:
            subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True, timeout=60)
            img = QImage(str(shot))
            colours = {img.pixel(x, y) for x in range(0, 1200, 20) for y in range(0, 750, 20)}
            if len(colours) > 40 or time.monotonic() > painted:
                break
            time.sleep(0.5)
    finally:
        app.terminate()
        app.wait(20)
    assert (img.width(), img.height()) == (1920, 1080)
    assert len(colours) > 40, f"the screenshot is nearly blank ({len(colours)} colours): {shot}"
    print(f"cold start to the loaded demo: {first_frame:.2f} s; screenshot {shot}")


def _unpacked_deb(built: Built, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    for tool in ("update-mime-database", "update-desktop-database", "xdg-mime", "xdg-open", "mimetype"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install shared-mime-info desktop-file-utils xdg-utils "
                        "libfile-mimeinfo-perl)")
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(built.deb), str(root)], check=True, timeout=600)
    share = root / "usr" / "share"
    subprocess.run(["update-mime-database", str(share / "mime")], check=True, timeout=120)
    subprocess.run(["update-desktop-database", str(share / "applications")], check=True, timeout=60)
    home = tmp_path / "home"
    env = _clean_env(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"),
                     XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_DIRS=f"{share}:/usr/share",
                     PATH=f"{root / 'usr' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    return root, env


def test_deb_contents(built: Built) -> None:
    listing = _run(["dpkg-deb", "-c", str(built.deb)], dict(os.environ)).stdout
    for path in ("./usr/bin/replaylens", "./opt/replaylens/replaylens", "./usr/share/applications/replaylens.desktop",
                 "./usr/share/mime/packages/replaylens.xml", "./usr/share/doc/replaylens/copyright",
                 "./usr/share/doc/replaylens/changelog.gz", "./usr/share/icons/hicolor/scalable/apps/replaylens.svg",
                 *(f"./usr/share/icons/hicolor/{s}x{s}/apps/replaylens.png" for s in (16, 32, 48, 128, 256, 512))):
        assert f" {path}\n" in listing or listing.endswith(f" {path}"), f"{path} missing from the .deb"
    fields = _run(["dpkg-deb", "-f", str(built.deb), "Package", "Depends"], dict(os.environ)).stdout
    assert "Package: replaylens" in fields and "libc6" in fields
    control = _run(["dpkg-deb", "--ctrl-tarfile", str(built.deb)], dict(os.environ)).returncode
    assert control == 0


def test_installed_deb_owns_the_session_type_and_xdg_open_starts_the_viewer(built: Built, display: str,
                                                                           tmp_path: Path) -> None:
    root, env = _unpacked_deb(built, tmp_path)
    session = tmp_path / "double-click me.rlsession"
    shutil.copyfile(root / "opt" / "replaylens" / "_internal" / "replaylens" / "assets" / "samples" / DEMO_NAME,
                    session)
    filetype = _run(["xdg-mime", "query", "filetype", str(session)], env)
    assert filetype.stdout.strip() == "application/x-replaylens-session", filetype
    default = _run(["xdg-mime", "query", "default", "application/x-replaylens-session"], env)
    assert default.stdout.strip() == "replaylens.desktop", default
    # rrweb .json recordings: offered under Open With (listed for application/json), not the type's owner
    cache = (root / "usr" / "share" / "applications" / "mimeinfo.cache").read_text()
    assert "application/json=replaylens.desktop;" in cache
    opened = _run(["xdg-open", str(session)], dict(env, DISPLAY=display, REPLAYLENS_EXIT_AFTER_LOAD="1"),
                  timeout=180)
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert f"loaded {DEMO_EVENTS} events" in opened.stdout, opened.stdout + opened.stderr


def test_wheel_in_a_fresh_venv_opens_its_demo(built: Built, tmp_path: Path) -> None:
    names = zipfile.ZipFile(built.wheel).namelist()
    assert f"replaylens/assets/samples/{DEMO_NAME}" in names and "replaylens/assets/icons/replaylens.svg" in names
    assert {"replaylens/assets/rrweb/rrweb.min.js", "replaylens/assets/rrweb/style.css"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "resources/", "docs/"))], names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    vpy = venv / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "-q", "--no-deps",
                      "--disable-pip-version-check", str(built.wheel)], dict(os.environ), timeout=300)
    assert installed.returncode == 0, installed.stderr
    # The dependencies (PySide6, DuckDB, ...: a gigabyte) come from this interpreter's site-packages rather than a
    # download; a plain path entry, so the checkout's editable install (if any) is not activated there.
    site = Path(_run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     dict(os.environ)).stdout.strip())
    (site / "outer-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = _clean_env(HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", REPLAYLENS_EXIT_AFTER_LOAD="1")
    exe = str(venv / "bin" / "replaylens")
    where = _run([exe, "demo", "--path"], env, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    demo = Path(where.stdout.strip())
    assert demo.is_relative_to(site) and demo.is_file(), demo
    info = _run([exe, "info", "--json", str(demo)], env, cwd=tmp_path)
    assert info.returncode == 0 and json.loads(info.stdout)["events"] == DEMO_EVENTS, info.stderr
    gui = _run([exe, "demo"], env, cwd=tmp_path)
    assert gui.returncode == 0 and f"loaded {DEMO_EVENTS} events" in gui.stdout, gui.stdout + gui.stderr


def test_lintian_finds_no_errors(built: Built) -> None:
    if built.lintian is None:
        pytest.skip("lintian is not installed (apt-get install lintian)")
    out, _ = built.lintian.communicate(timeout=1800)
    tags: dict[str, int] = {}
    for line in out.splitlines():
        if line[:2] in ("E:", "W:", "I:"):
            key = f"{line[0]} {line.split()[2]}"
            tags[key] = tags.get(key, 0) + 1
    print("lintian:", ", ".join(f"{k} ×{n}" for k, n in sorted(tags.items())) or "clean")
    errors = [line for line in out.splitlines() if line.startswith("E:")]
    assert not errors, "\n".join(errors[:50])
    assert built.lintian.returncode == 0, out[-2000:]  # lintian fails on errors (its --fail-on default)

#!/usr/bin/env bash
# Build the desktop packages, offline, from the checkout:
#   dist/replaylens/                         the PyInstaller onedir bundle (packaging/replaylens.spec)
#   dist/replaylens_VERSION_ARCH.deb         installs it in /opt/replaylens, with /usr/bin/replaylens, the desktop
#                                            entry, the .rlsession MIME type, hicolor icons, man page, copyright
#   dist/replaylens-VERSION-py3-none-any.whl with --wheel
# usage: bash packaging/build.sh [--force] [--no-deb] [--wheel]
#   --force   rebuild even if none of the inputs changed since the last build (dist/.bundle-inputs, .deb-inputs)
# env: PYTHON (default .venv/bin/python, else python3), DIST (default dist), WORK (default build),
#      DEB_COMPRESS / DEB_LEVEL (default gzip 6; xz 6 for a release: ~15 % smaller, many minutes. Debian
#      tools reject zstd-compressed packages)
# Needs PyInstaller from requirements-dev.lock and, for the .deb, dpkg-deb (--root-owner-group: no root or fakeroot
# needed). macOS and Windows are not built here: see packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
DIST=${DIST:-dist}
WORK=${WORK:-build}
mkdir -p "$DIST" "$WORK"
DIST=$(cd "$DIST" && pwd)
WORK=$(cd "$WORK" && pwd)

force=0 deb=1 wheel=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --no-deb) deb=0 ;;
    --wheel) wheel=1 ;;
    *) echo "usage: bash packaging/build.sh [--force] [--no-deb] [--wheel]" >&2; exit 2 ;;
  esac
done

# rrweb (pinned, not in git) goes into the bundle and the wheel: fetched into resources/rrweb/ unless already there
bash packaging/fetch_rrweb.sh

VERSION=$("$PY" -c 'import re,sys; print(re.search(r"^version = \"([^\"]+)\"", open("pyproject.toml").read(), re.M)[1])')
say() { echo "build: $*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# ---- the bundle --------------------------------------------------------------------------------------------
inputs() {  # everything the bundle is made from, hashed: the sources, the spec and hooks, the pins, the tools
  {
    find app/replaylens docs resources packaging/replaylens.spec packaging/pyinstaller-hooks -type f \
      ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum
    sha256sum pyproject.toml requirements.lock requirements-dev.lock
    "$PY" -c 'import sys, PyInstaller, PySide6; print(sys.version, PyInstaller.__version__, PySide6.__version__)'
  } | sha256sum | cut -d' ' -f1
}
want=$(inputs)
stamp="$DIST/.bundle-inputs"
if [ $force -eq 0 ] && [ -x "$DIST/replaylens/replaylens" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "bundle is up to date ($DIST/replaylens)"
else
  say "PyInstaller bundle -> $DIST/replaylens"
  t0=$(now)
  rm -f "$stamp"
  "$PY" -m PyInstaller --noconfirm --log-level "${PYI_LOG_LEVEL:-WARN}" --workpath "$WORK/pyinstaller" \
    --distpath "$DIST" packaging/replaylens.spec
  echo "$want" > "$stamp"
  say "bundle built in $(took "$t0"): $(du -sh "$DIST/replaylens" | cut -f1)"
fi

# ---- the wheel ---------------------------------------------------------------------------------------------
if [ $wheel -eq 1 ]; then
  say "wheel -> $DIST"
  rm -f "$DIST"/replaylens-*.whl
  # the build backend (packaging/build_backend.py) copies resources/ into replaylens/assets/ of the wheel
  "$PY" -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w "$DIST" . >/dev/null
  rm -rf app/replaylens.egg-info
  ls "$DIST"/replaylens-*.whl
fi

# ---- the Debian package ------------------------------------------------------------------------------------
[ $deb -eq 1 ] || exit 0
command -v dpkg-deb >/dev/null || { echo "build: dpkg-deb not found; not building the .deb" >&2; exit 1; }
ARCH=$(dpkg --print-architecture)
DEB="$DIST/replaylens_${VERSION}_${ARCH}.deb"
deb_want=$( { echo "$want ${DEB_COMPRESS:-} ${DEB_LEVEL:-}"; sha256sum packaging/build.sh packaging/linux/* \
              resources/desktop/* resources/icons/replaylens.svg; } | sha256sum | cut -d' ' -f1)
deb_stamp="$DIST/.deb-inputs"
if [ $force -eq 0 ] && [ -f "$DEB" ] && [ -f "$deb_stamp" ] && [ "$(cat "$deb_stamp")" = "$deb_want" ]; then
  say "Debian package is up to date ($DEB)"
  exit 0
fi
rm -f "$deb_stamp"
t0=$(now)
PKG="$WORK/deb/replaylens"
rm -rf "$WORK/deb"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin"
L=packaging/linux
cp -a "$DIST/replaylens" "$PKG/opt/replaylens"
install -m755 $L/launcher.sh "$PKG/usr/bin/replaylens"
install -Dm644 resources/desktop/replaylens.desktop "$PKG/usr/share/applications/replaylens.desktop"
install -Dm644 resources/desktop/replaylens-mime.xml "$PKG/usr/share/mime/packages/replaylens.xml"
ICON_SVG=resources/icons/replaylens.svg
HICOLOR="$PKG/usr/share/icons/hicolor"
install -Dm644 $ICON_SVG "$HICOLOR/scalable/apps/replaylens.svg"
QT_QPA_PLATFORM=offscreen "$PY" $L/render_icons.py $ICON_SVG "$HICOLOR" 16 22 24 32 48 64 128 256 512
DOC="$PKG/usr/share/doc/replaylens"
install -Dm644 $L/copyright "$DOC/copyright"
gzip -9n < $L/changelog > "$DOC/changelog.gz"
mkdir -p "$PKG/usr/share/man/man1"
gzip -9n < $L/replaylens.1 > "$PKG/usr/share/man/man1/replaylens.1.gz"
install -Dm644 $L/lintian-overrides "$PKG/usr/share/lintian/overrides/replaylens"
install -m755 $L/postinst $L/postrm "$PKG/DEBIAN/"

# Debian permissions: directories and data 0755/0644; executables 0755 (the launcher, the bundle's binary and
# QtWebEngineProcess); shared libraries not executable. PyInstaller keeps the wheels' modes, which vary.
find "$PKG/opt" -type d -exec chmod 0755 {} +
find "$PKG/opt" -type f -exec chmod 0644 {} +
chmod 0755 "$PKG/opt/replaylens/replaylens" "$PKG/opt/replaylens/_internal/PySide6/Qt/libexec/QtWebEngineProcess"
find "$PKG/usr" -type d -exec chmod 0755 {} +

# The interpreter's extension modules keep the build machine's Python prefix as RUNPATH (e.g. ~/.pyenv/.../lib):
# meaningless on the user's machine, and a directory the loader would search. Drop those; keep $ORIGIN ones.
if command -v patchelf >/dev/null; then
  PREFIX_LIB=$("$PY" -c 'import sys, sysconfig; print(sysconfig.get_config_var("LIBDIR") or sys.base_prefix)')
  while IFS= read -r -d '' f; do
    rp=$(patchelf --print-rpath "$f" 2>/dev/null) || continue
    case "$rp" in *"$PREFIX_LIB"*) patchelf --remove-rpath "$f" ;; esac
  done < <(find "$PKG/opt/replaylens/_internal" -maxdepth 3 -type f \( -name 'libpython*' -o -path '*/lib-dynload/*' \) -print0)
else
  echo "build: warning: patchelf not found; the bundled Python modules keep the build machine's RUNPATH" >&2
fi

installed_kb=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
cat > "$PKG/DEBIAN/control" <<EOF
Package: replaylens
Version: $VERSION
Architecture: $ARCH
Maintainer: Replay Lens <dev@replaylens.invalid>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.36), libgl1, libegl1, fontconfig-config, fonts-dejavu-core, sensible-utils
Recommends: fonts-wqy-microhei, shared-mime-info, desktop-file-utils, xdg-utils, hicolor-icon-theme
Section: utils
Priority: optional
Description: desktop viewer for recorded web sessions
 Replay Lens replays recorded web sessions: the customer's cursor over the page
 screenshots on a timeline you can scrub, friction findings (rage clicks, dead
 clicks, hesitation, form abandonment), click, movement, scroll and attention
 heatmaps, annotations, and PNG, PDF and video exports.
 .
 It opens its own .rlsession files and rrweb recordings (PostHog, Sentry,
 Highlight, OpenReplay exports). It works offline and never sends data
 anywhere. The application is a self-contained bundle in /opt/replaylens.
EOF
(cd "$PKG" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"

rm -f "$DIST"/replaylens_*.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-gzip}" -z"${DEB_LEVEL:-6}" --build "$PKG" "$DEB" >/dev/null
echo "$deb_want" > "$deb_stamp"
rm -rf "$WORK/deb"  # the staged tree is a second copy of the bundle
say "Debian package built in $(took "$t0"): $DEB ($(du -h "$DEB" | cut -f1), installed $((installed_kb / 1024)) MB)"

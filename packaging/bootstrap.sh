#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine:
#   bash packaging/bootstrap.sh run    install everything, open the viewer on the bundled demo
#   bash packaging/bootstrap.sh test   install everything, run the whole test suite headless
# Installs the Debian libraries Qt needs and Java 17 for Spark (when run as root and they are missing), creates .venv, installs the
# pinned packages from requirements-dev.lock and the project itself (editable). Re-runs skip what is done.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

# Qt offscreen + Xvfb/xcb + QtWebEngine + fonts (see ../shared/guides/platform.md). Alternatives are "a|b".
PKGS=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 fonts-dejavu-core
      libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-image0
      libxcb-render-util0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
      libnss3 libnspr4 libxcomposite1 libxdamage1 libxtst6 "libasound2t64|libasound2" libxrandr2 libxkbfile1
      fonts-wqy-microhei python3-venv xvfb xauth  # a CJK font: rendered recordings of Asian sites
      # the desktop packages and their test (tests/packaging): lintian, patchelf, the desktop databases,
      # xdg-mime/xdg-open (which asks File::MimeInfo for a file's type without a desktop), xwininfo, import
      lintian patchelf desktop-file-utils shared-mime-info xdg-utils libfile-mimeinfo-perl x11-utils imagemagick
      openjdk-17-jre-headless)  # Java for the Spark engine and its tests (docs/scale.md)

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

system_deps() {
  command -v dpkg-query >/dev/null || { echo "bootstrap: not a Debian-like system; install Qt's libraries yourself"; return; }
  local missing=() alts p found
  for alts in "${PKGS[@]}"; do
    found=""
    IFS='|' read -ra cands <<<"$alts"
    for p in "${cands[@]}"; do have_pkg "$p" && found=$p && break; done
    [ -n "$found" ] || missing+=("$alts")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages (run as root to install): ${missing[*]//|/ or }" >&2
    return
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  apt-get update -qq || echo "bootstrap: warning: apt-get update failed; trying the cached package lists" >&2
  local resolved=()
  for alts in "${missing[@]}"; do
    IFS='|' read -ra cands <<<"$alts"
    for p in "${cands[@]}"; do
      if apt-cache show "$p" >/dev/null 2>&1; then resolved+=("$p"); break; fi
    done
  done
  [ ${#resolved[@]} -eq 0 ] && { echo "bootstrap: warning: none of ${missing[*]} is known to apt" >&2; return; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${resolved[@]}" \
    || echo "bootstrap: warning: some Debian packages could not be installed: ${resolved[*]}" >&2
}

python_env() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "bootstrap: Python >= 3.11 is needed ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
  local stamp="$VENV/.installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt requirements.lock ] && [ "$stamp" -nt requirements-dev.lock ] \
     && [ "$stamp" -nt pyproject.toml ]; then return; fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.lock
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  touch "$stamp"
}

# rrweb (pinned version and sha256) into resources/rrweb/: the page renderer and the recorder snippet load it.
third_party() {
  if ! command -v npm >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing npm (to fetch the pinned rrweb release)"
    apt-get update -qq || echo "bootstrap: warning: apt-get update failed; trying the cached package lists" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm \
      || echo "bootstrap: warning: npm could not be installed" >&2
  fi
  bash packaging/fetch_rrweb.sh
}

cmd=${1:-}
case "$cmd" in
  run)
    system_deps; python_env; third_party
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
      echo "bootstrap: no display; starting the viewer on a virtual screen (xvfb-run)"
      exec xvfb-run -a -s "-screen 0 1920x1080x24" "$VENV/bin/python" -m replaylens demo
    fi
    exec "$VENV/bin/python" -m replaylens demo ;;
  test)
    system_deps; python_env; third_party
    export QT_QPA_PLATFORM=offscreen
    echo "== ruff";         "$VENV/bin/ruff" check app tests
    echo "== import-linter"; "$VENV/bin/lint-imports" --no-cache
    echo "== mypy";         "$VENV/bin/mypy"
    echo "== pytest";       exec "$VENV/bin/python" -m pytest "${@:2}" ;;
  deps)
    system_deps; python_env; third_party ;;
  *)
    echo "usage: bash packaging/bootstrap.sh run|test|deps" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Register Replay Lens with the desktop for the current user: double-clicking a .rlsession opens it.
set -euo pipefail
here=$(cd "$(dirname "$0")/../../resources" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
install -Dm644 "$here/desktop/replaylens.desktop" "$data/applications/replaylens.desktop"
install -Dm644 "$here/desktop/replaylens-mime.xml" "$data/mime/packages/replaylens.xml"
install -Dm644 "$here/icons/replaylens.svg" "$data/icons/hicolor/scalable/apps/replaylens.svg"
update-mime-database "$data/mime" 2>/dev/null || true
update-desktop-database "$data/applications" 2>/dev/null || true
echo "Registered. Make sure 'replaylens' is on your PATH (e.g. ln -s $(pwd)/.venv/bin/replaylens ~/.local/bin/)."

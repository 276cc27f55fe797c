#!/usr/bin/env bash
# Fetch rrweb's own replayer (the `rrweb` npm package, pinned version and checksum) into a cache folder outside
# the repository, for the optional comparison test tests/gui/test_rrweb_replayer_compare.py. Not run by CI.
#
#   bash tests/bench/fetch_rrweb.sh            # -> ${XDG_CACHE_HOME:-~/.cache}/replaylens/rrweb-2.2.2/
#   REPLAYLENS_RRWEB_DIR=/some/dir bash tests/bench/fetch_rrweb.sh
#
# Needs npm (the ordinary client: `npm pack` downloads the tarball and checks the registry's sha512 integrity);
# the tarball's sha256 is checked again against the pin below before anything is unpacked.
set -euo pipefail

VERSION="2.2.2"
SHA256="b0323a64e2134bac743ac183a00497949ef15c443590eabfadb2445fb65e67a8"  # rrweb-2.2.2.tgz from registry.npmjs.org
DEST="${REPLAYLENS_RRWEB_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/replaylens/rrweb-$VERSION}"

if [[ -f "$DEST/rrweb.min.js" && -f "$DEST/style.css" && -f "$DEST/SHA256" ]] \
    && [[ "$(cat "$DEST/SHA256")" == "$SHA256" ]]; then
    echo "rrweb $VERSION already in $DEST"
    exit 0
fi
command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "rrweb@$VERSION" --pack-destination "$tmp" --silent >/dev/null)
tgz="$tmp/rrweb-$VERSION.tgz"
got="$(sha256sum "$tgz" | cut -d' ' -f1)"
if [[ "$got" != "$SHA256" ]]; then
    echo "checksum mismatch for rrweb-$VERSION.tgz: got $got, expected $SHA256" >&2
    exit 3
fi
tar -xzf "$tgz" -C "$tmp" package/umd/rrweb.min.js package/dist/style.css package/package.json
mkdir -p "$DEST"
cp "$tmp/package/umd/rrweb.min.js" "$DEST/rrweb.min.js"
cp "$tmp/package/dist/style.css" "$DEST/style.css"
cp "$tmp/package/package.json" "$DEST/package.json"
echo "$SHA256" > "$DEST/SHA256"
echo "rrweb $VERSION -> $DEST"

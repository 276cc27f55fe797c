#!/usr/bin/env bash
# Fetch rrweb (the `rrweb` npm package, pinned version and sha256) into resources/rrweb/ (not in git). The app's
# page renderer and the collector's recorder snippet load it from there (a checkout), from the wheel or from the
# bundle (packaging/build.sh copies it in); replaylens.assets.rrweb checks the same sha256 at start-up.
#
#   bash packaging/fetch_rrweb.sh             # -> resources/rrweb/
#   REPLAYLENS_RRWEB_DIR=/some/dir bash packaging/fetch_rrweb.sh
#
# Needs npm (the ordinary client: `npm pack` downloads the tarball and checks the registry's sha512 integrity);
# the tarball's sha256 is checked again against the pin below before anything is unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="2.2.2"
SHA256="b0323a64e2134bac743ac183a00497949ef15c443590eabfadb2445fb65e67a8"  # rrweb-2.2.2.tgz
JS_SHA256="634aae0583bf9d1a857307d28fb49c98c14210929e22166fb150f3ae83d91cca"  # package/umd/rrweb.min.js
DEST="${REPLAYLENS_RRWEB_DIR:-resources/rrweb}"

if [[ -f "$DEST/rrweb.min.js" && -f "$DEST/style.css" && -f "$DEST/VERSION" ]] \
    && [[ "$(cat "$DEST/VERSION")" == "$VERSION $SHA256" ]] \
    && [[ "$(sha256sum "$DEST/rrweb.min.js" | cut -d' ' -f1)" == "$JS_SHA256" ]]; then
    exit 0
fi
command -v npm >/dev/null || { echo "fetch_rrweb: npm is needed (apt-get install npm)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "rrweb@$VERSION" --pack-destination "$tmp" --silent >/dev/null)
tgz="$tmp/rrweb-$VERSION.tgz"
got="$(sha256sum "$tgz" | cut -d' ' -f1)"
if [[ "$got" != "$SHA256" ]]; then
    echo "fetch_rrweb: checksum mismatch for rrweb-$VERSION.tgz: got $got, expected $SHA256" >&2
    exit 3
fi
tar -xzf "$tgz" -C "$tmp" package/umd/rrweb.min.js package/dist/style.css package/package.json
got="$(sha256sum "$tmp/package/umd/rrweb.min.js" | cut -d' ' -f1)"
[[ "$got" == "$JS_SHA256" ]] || { echo "fetch_rrweb: rrweb.min.js sha256 $got, expected $JS_SHA256" >&2; exit 3; }
mkdir -p "$DEST"
cp "$tmp/package/umd/rrweb.min.js" "$tmp/package/dist/style.css" "$tmp/package/package.json" "$DEST/"
echo "$VERSION $SHA256" > "$DEST/VERSION"
echo "fetch_rrweb: rrweb $VERSION -> $DEST"

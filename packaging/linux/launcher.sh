#!/bin/sh
# /usr/bin/replaylens: start the self-contained bundle in /opt/replaylens. The bundle is found relative to this
# script, so a copy unpacked elsewhere (dpkg-deb -x into a test root) starts its own bundle, not an installed one.
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/replaylens/replaylens" "$@"

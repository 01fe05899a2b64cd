#!/usr/bin/env bash
# tests/install/deb_test.sh BUILD: makes the Debian packages with cpack into a temporary folder and
# checks what they hold and depend on (dpkg-deb -c, -f). Skipped (77) without `file`, which
# cpack's dependency scan needs (scripts/setup.sh --install).
set -euo pipefail
build=$1
command -v file >/dev/null || { echo "deb test: skipped: no 'file' (scripts/setup.sh --install)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deb test: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack failed"; }
tool=$(ls "$tmp"/racewin_*.deb) dev=$(ls "$tmp"/racewin-dev_*.deb) || fail "cpack made no racewin and racewin-dev packages"
dpkg-deb -c "$tool" >"$tmp/tool.txt"
dpkg-deb -c "$dev" >"$tmp/dev.txt"
for path in ./usr/bin/racewin ./usr/share/racewin/scenarios/owner_pin.toml; do
  grep -q " $path\$" "$tmp/tool.txt" || fail "$(basename "$tool") has no $path"
done
for path in ./usr/include/racewin/engine/explorer.hpp ./usr/lib/libracewin_engine.a ./usr/lib/cmake/racewin/racewinConfig.cmake; do
  grep -q " $path\$" "$tmp/dev.txt" || fail "$(basename "$dev") has no $path"
done
depends=$(dpkg-deb -f "$tool" Depends)
for lib in libboost-context1.74.0 libfmt9; do
  [[ $depends == *"$lib"* ]] || fail "racewin's Depends ($depends) does not name $lib"
done
[[ $(dpkg-deb -f "$tool" Recommends) == *coccinelle* ]] || fail "racewin does not recommend coccinelle"
[[ $(dpkg-deb -f "$dev" Depends) == *libboost-context-dev* ]] || fail "racewin-dev does not depend on libboost-context-dev"
echo "deb test: ok: $(basename "$tool") ($depends), $(basename "$dev")"

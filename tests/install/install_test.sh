#!/usr/bin/env bash
# tests/install/install_test.sh BUILD SOURCE WANT_MAN CXX: installs the build into a temporary
# prefix and uses it as a user would: racewin --help, racewin check on an installed scenario, the
# man page (when WANT_MAN is 1: help2man was found), headers that include only installed headers,
# and the example model project built with find_package(racewin) against the prefix, then run.
set -euo pipefail
build=$1 source=$2 want_man=$3 cxx=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install failed"; }
cd "$tmp"  # nothing below may find racewin's source tree by a relative path

"$prefix/bin/racewin" --help >help.txt || fail "racewin --help exited with $?"
grep -q 'check' help.txt || fail "racewin --help does not list check"
scenario=$prefix/share/racewin/scenarios/owner_pin.toml
[ -f "$scenario" ] || fail "$scenario is not installed"
"$prefix/bin/racewin" check --no-timing "$scenario" >check.txt || { cat check.txt; fail "racewin check $scenario exited with $?"; }
grep -Eq '^owner_pin \[modern\] .* safe .* ok$' check.txt || { cat check.txt; fail "racewin check did not report owner_pin [modern] safe"; }

if [ "$want_man" = 1 ]; then
  man=$prefix/share/man/man1/racewin.1.gz
  [ -f "$man" ] || fail "$man is not installed"
  gzip -dc "$man" | grep -q '^\.TH RACEWIN "*1' || fail "$man has no .TH RACEWIN 1 line"
  gzip -dc "$man" | grep -q 'racewin check' || fail "$man has no section for racewin check"
fi

# Every engine header an installed header includes is installed too.
inc=$prefix/include/racewin
[ -f "$inc/engine/explorer.hpp" ] || fail "$inc/engine/explorer.hpp is not installed"
while read -r header included; do
  [ -f "$inc/$included" ] || fail "${header#"$inc/"} includes $included, which is not installed"
done < <(grep -ro '^#include "engine/[^"]*"' "$inc" | sed 's/:#include "/ /; s/"$//')
if grep -rq "$source" "$prefix/lib/cmake/racewin"; then fail "the package config names the source tree $source"; fi

# The example model project, against the installed package only.
cmake -S "$source/tests/install/example" -B example -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_PREFIX_PATH="$prefix" >example.log 2>&1 || { cat example.log; fail "configuring the example failed"; }
cmake --build example >>example.log 2>&1 || { cat example.log; fail "building the example failed"; }
./example/counter >counter.txt || { cat counter.txt; fail "the example exited with $?"; }
cat counter.txt
grep -q "^read then write: violation lost-update: counter is 1 after two increments; schedule '" counter.txt ||
  fail "the example did not find the lost update"
grep -q '^one read-modify-write: safe ' counter.txt || fail "the example did not find the atomic increment safe"
echo "install test: ok ($prefix)"

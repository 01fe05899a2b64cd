#!/usr/bin/env bash
# Installs what racewin needs to build and test on Debian 12, from Debian's packages only.
# Does nothing when everything is already installed. Needs root (or sudo) only to install.
# --bench also installs gnuplot-nox, which bench/refcount_report.sh needs for its plot, and spin
# and python3, which bench/spin_compare.sh needs. --scan installs coccinelle (spatch), which
# `racewin scan` reads C through; --linux-source installs linux-source-6.1, the tree the heavy
# scan test and bench/scan_kernel.sh read. --install installs help2man, which writes the man page
# racewin.1 at build time (without it there is none, and the install test's man_page check is
# skipped), and file, which cpack's dependency scan of the Debian package needs. --fuzz installs
# clang (14) with its libFuzzer and sanitizer runtimes and python3, which scripts/fuzz.sh and
# fuzz/seeds.py need.
set -euo pipefail
packages=(build-essential cmake libboost-context-dev libgtest-dev catch2 libcli11-dev
          libtomlplusplus-dev nlohmann-json3-dev libfmt-dev)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(gnuplot-nox spin python3) ;;
    --scan) packages+=(coccinelle) ;;
    --linux-source) packages+=(coccinelle linux-source-6.1 xz-utils python3) ;;
    --install) packages+=(help2man file) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev python3) ;;
    *) echo "setup: unknown option '$arg' (expected: --bench, --scan, --linux-source, --install, --fuzz)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

#!/usr/bin/env bash
# Runs racewin_refcount_bench and writes the report: bench/results/refcount.csv, refcount.md (the
# tables) and refcount.svg (the plot, drawn by gnuplot from bench/refcount.gp). Takes about a
# minute. Usage: bash bench/refcount_report.sh [BUILD_DIR] [racewin_refcount_bench options...]
# (BUILD_DIR defaults to build/release, what `cmake --preset release` builds).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
shift || true
command -v gnuplot >/dev/null || { echo "refcount_report: gnuplot is missing: bash scripts/setup.sh --bench" >&2; exit 1; }
mkdir -p bench/results
"$build/bench/racewin_refcount_bench" --csv bench/results/refcount.csv --markdown bench/results/refcount.md "$@"
gnuplot -e "csv='bench/results/refcount.csv'; out='bench/results/refcount.svg'" bench/refcount.gp
echo "refcount_report: wrote bench/results/refcount.csv, refcount.md, refcount.svg" >&2

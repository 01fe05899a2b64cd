#!/usr/bin/env bash
# Times `racewin scan` over Debian's whole linux-source-6.1 tree and writes
# bench/results/scan_kernel.md: wall time, the files grep-filtered and read by spatch, and the
# sites per class and per framework. Installs coccinelle and linux-source-6.1 through the setup
# script and unpacks the tree once into $TREE.
#
# Usage: bash bench/scan_kernel.sh
# Environment (defaults in brackets):
#   RACEWIN  racewin binary [build/release/cli/racewin]
#   TREE     where the tree is unpacked [build/linux-6.1]
#   JOBS     spatch processes [one per core]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
racewin=${RACEWIN:-$root/build/release/cli/racewin}
tree=${TREE:-$root/build/linux-6.1}
bash "$root/tests/scan/linux_source.sh" "$tree"
jobs_flag=()
[ -n "${JOBS:-}" ] && jobs_flag=(--jobs "$JOBS")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
status=0
(cd "$tree" && "$racewin" scan . --format json --quiet "${jobs_flag[@]}") > "$out" || status=$?
end=$(date +%s.%N)
[ "$status" -le 1 ] || { echo "racewin scan exited $status" >&2; exit 1; }
mkdir -p "$root/bench/results"
python3 - "$out" "$(echo "$end - $start" | bc)" "$(nproc)" > "$root/bench/results/scan_kernel.md" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
secs, cores = float(sys.argv[2]), sys.argv[3]
sites = d["sites"]
print(f"# racewin scan over linux-source-6.1\n")
print(f"{len(sites)} sites, {secs:.0f} s wall on {cores} cores (`racewin scan . --format json`).\n")
print("| class | sites |\n|---|---:|")
for c, n in sorted(collections.Counter(s["class"] for s in sites).items()): print(f"| {c} | {n} |")
print("\n| framework | sites | unsafe | uncovered |\n|---|---:|---:|---:|")
by = collections.defaultdict(collections.Counter)
for s in sites: by[s["framework"]][s["class"]] += 1
for fw, c in sorted(by.items(), key=lambda kv: -sum(kv[1].values())):
    print(f"| {fw} | {sum(c.values())} | {c['unsafe']} | {c['uncovered']} |")
PY
cat "$root/bench/results/scan_kernel.md"

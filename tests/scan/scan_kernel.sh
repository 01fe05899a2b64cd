#!/usr/bin/env bash
# racewin scan over the whole linux-source-6.1 tree ($2) must find every self-reference that grep
# finds (calls outside comments and string literals), each with a framework and a class.
set -euo pipefail
racewin=$1
tree=$2
cd "$tree"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$racewin" scan . --format json --quiet > "$out" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then echo "racewin scan exited $status" >&2; exit 1; fi
grep -rnP '(?<![A-Za-z0-9_])((try_module_get|__module_get|module_put)\(THIS_MODULE\)|module_put_and_kthread_exit\(|module_put_and_exit\()' \
     --include=*.c . | grep -vP '^[^:]+:[0-9]+:\s*(\*|//|/\*)' | grep -vP '^[^:]+:[0-9]+:[^"]*"[^"]*(module_get|module_put)' |
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
found = {(s["file"], s["line"]) for s in d["sites"]}
lost = []
for line in sys.stdin:
    f, n, _ = line.split(":", 2)
    if (f, int(n)) not in found:
        lost.append(line.strip())
bad = [s for s in d["sites"] if not s["framework"] or not s["class"]]
sites, summary = d["sites"], d["summary"]
print(f"{len(sites)} sites found; grep finds none that the scan lost: {not lost}; by class: {summary}")
for l in lost: print("lost:", l)
for s in bad: print("no framework or class:", s["file"], s["line"])
sys.exit(1 if lost or bad else 0)
' "$out"

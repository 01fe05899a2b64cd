#!/usr/bin/env bash
# Runs SPIN and racewin on the same protocol at the same step granularity and writes the report:
# bench/results/spin_compare.csv and bench/results/spin_compare.md. For each variant (owner:
# fops.owner = THIS_MODULE, safe; selfget: LKMPG's self get in open, a violation) and N = 1..MAX_N
# openers plus one rmmod, bench/spin/gen_pml.py prints the Promela model (one d_step per racewin
# step) and the racewin scenario; SPIN verifies the model exhaustively (no bitstate) and racewin
# checks the scenario in each of its modes. For selfget, SPIN's counterexample is replayed in
# racewin, which must reach module-code-after-unload with it.
#
# Usage: bash bench/spin_compare.sh
# Environment (defaults in brackets):
#   RACEWIN        racewin binary [build/release/cli/racewin]
#   NS             the numbers of openers to run, each 1..10 [1 2 3 5 7 10]
#   MAX_N          instead of NS: every N from 1 to MAX_N
#   VARIANTS       [owner selfget]
#   RACEWIN_MODES  "default" runs `racewin check` as it is (every core, symmetry on); any
#                  other M adds `--reduction M --jobs 1`, M-nocache also `--no-state-cache`, and
#                  M-nosym `--symmetry off` (a rejected flag, exit 2, is recorded as n/a)
#                  [default source source-nosym]; empty: SPIN only
#   A tool or mode that timed out or ran out of memory at some N is not run at larger N (the row
#   says so).
#   RACEWIN_FLAGS  added to every racewin run: lifts its default bound of 10,000,000 executions,
#                  so that the time bound decides, as for SPIN [--max-executions 1000000000000]
#   TIMEOUT        seconds per racewin run [120]
#   SPIN_TIMEOUT   seconds per run of SPIN's pan [TIMEOUT]
#   MEM_MB         memory bound per run: pan's -DMEMLIM, racewin's ulimit -v [8192]
#   SPIN_NOREDUCE  1: also run pan compiled with -DNOREDUCE (no partial-order reduction) [0]
#   PAN_FLAGS      extra options for ./pan, e.g. -w28 for a larger hash table [none]
#   KEEP           1: keep the work folder (models, scenarios, pan sources, logs) [0]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RACEWIN=${RACEWIN:-build/release/cli/racewin}
[[ $RACEWIN = /* ]] || RACEWIN=$root/$RACEWIN
NS=${NS:-1 2 3 5 7 10}
[[ -n ${MAX_N:-} ]] && NS=$(seq 1 "$MAX_N")
VARIANTS=${VARIANTS:-owner selfget}
RACEWIN_MODES=${RACEWIN_MODES-default source source-nosym}
RACEWIN_FLAGS=${RACEWIN_FLAGS-"--max-executions 1000000000000"}
TIMEOUT=${TIMEOUT:-120}
SPIN_TIMEOUT=${SPIN_TIMEOUT:-$TIMEOUT}
MEM_MB=${MEM_MB:-8192}
SPIN_NOREDUCE=${SPIN_NOREDUCE:-0}
PAN_FLAGS=${PAN_FLAGS:-}
gen=$root/bench/spin/gen_pml.py

for tool in spin gcc python3 timeout; do
  command -v $tool >/dev/null || { echo "spin_compare: $tool is missing (apt-get install -y spin gcc)" >&2; exit 1; }
done
for n in $NS; do
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 10)) || { echo "spin_compare: each N in NS (or MAX_N) must be 1..10, got '$n'" >&2; exit 1; }
done
[[ -x $RACEWIN ]] || echo "spin_compare: no racewin binary at $RACEWIN: its rows will read n/a" >&2

work=$(mktemp -d /tmp/spin_compare.XXXXXX)
[[ ${KEEP:-0} = 1 ]] && echo "spin_compare: work folder $work" >&2 || trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
csv=bench/results/spin_compare.csv
md=bench/results/spin_compare.md
echo "variant,n,tool,mode,verdict,executions,states,transitions,seconds,tool_seconds,build_seconds,note" >"$csv"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
row() { local IFS=,; echo "$*" >>"$csv"; }

# ---- SPIN: spin -a, gcc, ./pan; prints verdict,states,transitions,wall,pan_elapsed,build,note
run_spin() {  # variant n dir reduce(0|1)
  local v=$1 n=$2 d=$3 noreduce=$4 cflags="-O2 -DSAFETY -DNOFAIR -DMEMLIM=$MEM_MB" panflags="-m100000 -c1"
  ((noreduce)) && cflags+=" -DNOREDUCE"
  [[ $v = selfget ]] && panflags+=" -E"  # a halted execution (other violation kinds) is not a deadlock
  local t0 t1 t2 rc out
  t0=$(now)
  (cd "$d" && spin -a model.pml >spin_a.log 2>&1 && gcc $cflags -o pan pan.c >gcc.log 2>&1) ||
    { echo "error,,,,,,spin -a or gcc failed (see $d)"; return; }
  t1=$(now)
  (cd "$d" && rm -f model.pml.trail && ulimit -c 0 && timeout -s INT -k 10 "$SPIN_TIMEOUT" ./pan $panflags $PAN_FLAGS >pan.log 2>&1)
  rc=$?
  t2=$(now)
  python3 - "$d/pan.log" "$rc" "$(elapsed "$t1" "$t2")" "$(elapsed "$t0" "$t1")" <<'EOF'
import re, sys
log, rc, wall, build = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def grab(pat):
    m = re.search(pat, log)
    return m.group(1) if m else ""
def count(pat):  # pan prints large counts as 1.2e+08 when interrupted
    x = grab(pat)
    return str(int(float(x))) if x else ""
states, trans = count(r"([\d.e+]+) states, stored"), count(r"([\d.e+]+) transitions \(")
pan_s, errors = grab(r"pan: elapsed time ([\d.e+]+)"), grab(r"errors: (\d+)")
note = ""
if rc == 124 or "Interrupted" in log:
    verdict, note = "timeout", f"stopped after {wall} s; {states or '?'} states stored by then"
elif "out of memory" in log or "MEMLIM" in log:
    verdict, note = "out of memory", f"pan hit -DMEMLIM; {states or '?'} states stored by then"
elif errors == "0":
    verdict = "safe"
    if "max search depth too small" in log:
        verdict = "incomplete"
elif errors:
    a = grab(r"assertion violated\s+(.*?) \(at depth")
    verdict = "violation"
    note = f"assert {a}" if a else ("invalid end state" if "invalid end state" in log else "error")
    depth = grab(r"at depth (\d+)")
    note += f" at depth {depth}"
else:
    verdict, note = "error", f"pan exit {rc}"
print(",".join([verdict, states, trans, wall, pan_s, build, note.replace(",", ";")]))
EOF
}

# SPIN's counterexample as a racewin schedule (pids 0..n-1 are opener1..n, pid n is rmmod), replayed.
replay_trail() {  # n dir
  local n=$1 d=$2 sched out rc
  [[ -f $d/model.pml.trail && -x $RACEWIN ]] || { echo "n/a"; return; }
  sched=$(cd "$d" && spin -t -p model.pml 2>/dev/null | python3 -c '
import re, sys
n, seq, last = int(sys.argv[1]), [], None
for line in sys.stdin:
    m = re.match(r"\s*(\d+):\s+proc\s+(\d+) \(", line)
    if m and m.group(1) != last:
        last = m.group(1)
        pid = int(m.group(2))
        name = f"opener{pid + 1}" if pid < n else "rmmod"
        if seq and seq[-1][0] == name: seq[-1][1] += 1
        else: seq.append([name, 1])
print(" ".join(f if c == 1 else f"{f}*{c}" for f, c in seq))' "$n")
  out=$("$RACEWIN" replay "$d/scenario.toml" --schedule "$sched" 2>&1)
  rc=$?
  if [[ $rc = 1 && $out == *"module-code-after-unload"* ]]; then echo "replays in racewin: $sched"
  else echo "does NOT replay in racewin (exit $rc): $sched"; fi
}

# ---- racewin: prints verdict,executions,states,wall,note
run_racewin() {  # scenario mode
  local f=$1 mode=$2 flags=() t0 t1 rc
  [[ -x $RACEWIN ]] || { echo "n/a,,,,no racewin binary"; return; }
  case $mode in
    default) ;;
    *-nocache) flags=(--reduction "${mode%-nocache}" --jobs 1 --no-state-cache) ;;
    *-nosym) flags=(--reduction "${mode%-nosym}" --jobs 1 --symmetry off) ;;
    *) flags=(--reduction "$mode" --jobs 1) ;;
  esac
  t0=$(now)
  (ulimit -v $((MEM_MB * 1024)) && ulimit -c 0 && timeout -k 10 "$TIMEOUT" "$RACEWIN" check "$f" --format json $RACEWIN_FLAGS "${flags[@]}" >"$f.$mode.json" 2>"$f.$mode.err")
  rc=$?
  t1=$(now)
  if [[ $rc = 124 || $rc = 137 ]]; then echo "timeout,,,$(elapsed "$t0" "$t1"),stopped after $TIMEOUT s"; return; fi
  if grep -q bad_alloc "$f.$mode.err"; then echo "out of memory,,,$(elapsed "$t0" "$t1"),std::bad_alloc under ulimit -v $MEM_MB MB"; return; fi
  if [[ $rc = 2 ]]; then echo "n/a,,,,rejected (exit 2): $(head -1 "$f.$mode.err" | cut -c1-120 | tr ',' ';')"; return; fi
  python3 - "$f.$mode.json" "$rc" "$(elapsed "$t0" "$t1")" "$f.$mode.err" <<'EOF'
import json, sys
path, rc, wall, err = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    s = json.load(open(path))["scenarios"][0]
except Exception:
    msg = open(err).read().strip().replace(",", ";").replace("\n", " ")[:200]
    print(f"error,,,{wall},exit {rc}: {msg or 'no JSON (out of memory?)'}")
    sys.exit()
verdict = s["verdict"]
if verdict == "violation":
    verdict += " " + s["violation"]["kind"]
note = "" if s.get("matches") else "not as expected: " + s.get("mismatch", "")
if s.get("incomplete_reason"):
    note = s["incomplete_reason"]
print(",".join([verdict, str(s.get("executions", "")), str(s.get("states", "")), wall, note.replace(",", ";")]))
EOF
}

spin_version=$(spin -V 2>&1 | head -1)
declare -A gave_up  # tool/mode -> the N at which it timed out or ran out of memory
for v in $VARIANTS; do
  gave_up=()
  for n in $NS; do
    d=$work/${v}_$n
    mkdir -p "$d"
    python3 "$gen" "$v" "$n" >"$d/model.pml"
    python3 "$gen" "$v" "$n" --toml >"$d/scenario.toml"
    spin_modes=(0)
    [[ $SPIN_NOREDUCE = 1 ]] && spin_modes+=(1)
    for nr in "${spin_modes[@]}"; do
      mode=$([[ $nr = 1 ]] && echo "noreduce" || echo "exhaustive")
      if [[ -n ${gave_up[spin/$mode]:-} ]]; then
        row "$v" "$n" spin "$mode" "not run" "" "" "" "" "" "" "gave up at N=${gave_up[spin/$mode]}"
        continue
      fi
      IFS=, read -r verdict states trans wall pan_s build note < <(run_spin "$v" "$n" "$d" "$nr")
      [[ $verdict = timeout || $verdict = "out of memory" ]] && gave_up[spin/$mode]=$n
      if [[ $v = selfget && $verdict = violation ]]; then note="$note; trail $(replay_trail "$n" "$d" | tr ',' ';')"; fi
      row "$v" "$n" spin "$mode" "$verdict" "" "$states" "$trans" "$wall" "$pan_s" "$build" "$note"
      echo "spin_compare: $v N=$n spin/$mode: $verdict, $states states, ${wall}s" >&2
    done
    for mode in $RACEWIN_MODES; do
      if [[ -n ${gave_up[racewin/$mode]:-} ]]; then
        row "$v" "$n" racewin "$mode" "not run" "" "" "" "" "" "" "gave up at N=${gave_up[racewin/$mode]}"
        continue
      fi
      IFS=, read -r verdict execs states wall note < <(run_racewin "$d/scenario.toml" "$mode")
      [[ $verdict = timeout || $verdict = "out of memory" ]] && gave_up[racewin/$mode]=$n
      row "$v" "$n" racewin "$mode" "$verdict" "$execs" "$states" "" "$wall" "" "" "$note"
      echo "spin_compare: $v N=$n racewin/$mode: $verdict${execs:+, $execs executions, $states states, ${wall}s}" >&2
    done
  done
done

python3 - "$csv" "$md" "$spin_version" "$RACEWIN" "$TIMEOUT" "$MEM_MB" "$RACEWIN_FLAGS" "$(nproc)" "$SPIN_TIMEOUT" <<'EOF'
import csv, datetime, sys
src, dst, spin_version, racewin, timeout, mem, rflags, cores, spin_timeout = sys.argv[1:]
rows = list(csv.DictReader(open(src)))
def num(x):
    return f"{int(x):,}" if x.isdigit() else (x or "")
out = ["# SPIN and racewin on the same protocol", "",
       f"Written by `bash bench/spin_compare.sh` on {datetime.date.today()} ({cores} cores): {spin_version};",
       f"racewin `{racewin}`; {timeout} s per racewin run, {spin_timeout} s per pan run, {mem} MB per run.", "",
       "Models: `python3 bench/spin/gen_pml.py VARIANT N` prints the Promela (one d_step per racewin step)",
       "and, with `--toml`, the racewin scenario. SPIN: `spin -a`, `gcc -O2 -DSAFETY -DNOFAIR -DMEMLIM=...`,",
       "`./pan -m100000 -c1` (`-E` for selfget), exhaustive; `seconds` is pan's wall time (`spin -a` and gcc",
       "excluded; they are in the CSV), `states` pan's states stored, `transitions` stored + matched.",
       f"racewin: `racewin check FILE --format json {rflags}` as it is (`default`: its default reduction",
       "on every core) or with `--reduction MODE --jobs 1`; `seconds` is its wall time.", "",
       "owner is safe: exhaustive runs explore everything, and at the same step granularity the state counts",
       "of SPIN and of racewin without reduction are equal (SPIN's partial-order reduction removes nothing",
       "here: every step touches a global). selfget stops at the first module-code-after-unload: SPIN at its",
       "first assert in its own DFS order, racewin at its first in its own (its time also covers the search",
       "for the smallest schedule and the replay), so their state counts are not comparable. SPIN's",
       "counterexample is replayed in racewin (note). pan's wall time includes about 0.1 s to allocate its",
       "128 MB hash table (-w24).", "",
       "`whole run` is what a user waits for: for SPIN, `spin -a` and gcc plus pan; for racewin, the same",
       "as `seconds`.", "",
       "| variant | N | tool/mode | verdict | executions | states | transitions | seconds | whole run | note |",
       "|---|--:|---|---|--:|--:|--:|--:|--:|---|"]
def whole(r):
    try:
        return f"{float(r['seconds']) + float(r['build_seconds'] or 0):.2f}"
    except ValueError:
        return ""
for r in rows:
    out.append(f"| {r['variant']} | {r['n']} | {r['tool']}/{r['mode']} | {r['verdict']} | {num(r['executions'])} | "
               f"{num(r['states'])} | {num(r['transitions'])} | {r['seconds']} | {whole(r)} | {r['note']} |")
open(dst, "w").write("\n".join(out) + "\n")
EOF
echo "spin_compare: wrote $csv and $md" >&2

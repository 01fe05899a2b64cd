#!/usr/bin/env bash
# scripts/fuzz.sh: a fixed-seed libFuzzer campaign over fuzz/'s targets. Installs clang through
# the setup script (--fuzz) when it is missing, builds the targets with the fuzz preset in their own
# folder, makes the seed corpora (fuzz/seeds.py), then runs each target for --runs inputs with
# --seed, and prints per target the inputs run and the seconds. Exits 1 on any crash, sanitizer
# report, escaping exception or hang (an input over 10 s); the input is left in BUILD/crashes/.
# Usage: bash scripts/fuzz.sh [--runs N] [--seed S] [--build DIR] [--racewin PATH] [TARGET[:RUNS]...]
#   --runs: inputs per target (default 250000), unless TARGET:RUNS says otherwise for that one;
#   --racewin: the racewin that makes the seeds (default: the one the fuzz build makes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=250000 seed=1 build=$root/build/fuzz racewin='' targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$(realpath -m "$2"); shift 2 ;;
    --racewin) racewin=$(realpath "$2"); shift 2 ;;
    -*) echo "fuzz: unknown option '$1' (expected: --runs, --seed, --build, --racewin)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(scenario_fuzz statements_fuzz schedule_fuzz merge_fuzz)
cd "$root"
mkdir -p "$build"
bash scripts/setup.sh --fuzz
cmake --preset fuzz -B "$build" >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
build_targets=("${targets[@]%%:*}")
[ -n "$racewin" ] || build_targets+=(racewin)
cmake --build "$build" --parallel 2 --target "${build_targets[@]}" >"$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log" >&2; exit 1; }
python3 fuzz/seeds.py "${racewin:-$build/cli/racewin}" "$build/seeds"
mkdir -p "$build/crashes"
failed=0
printf '%-16s %10s %9s\n' target inputs seconds
for spec in "${targets[@]}"; do
  t=${spec%%:*} n=$runs
  [ "$spec" = "$t" ] || n=${spec#*:}
  work=$build/corpus/$t  # what the run adds to the seeds; made anew, so that a run repeats
  rm -rf "$work" && mkdir -p "$work"
  log=$build/$t.log
  start=$(date +%s.%N)
  status=0
  "$build/fuzz/$t" -runs="$n" -seed="$seed" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t-" "$work" "$build/seeds/$t" >"$log" 2>&1 || status=$?
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  inputs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-16s %10s %9.1f\n' "$t" "${inputs:-?}" "$seconds"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $t failed (exit $status); its log, $log, ends:" >&2
    tail -40 "$log" >&2
  fi
done
exit $failed
